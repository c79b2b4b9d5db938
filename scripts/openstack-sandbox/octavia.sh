# Octavia with the amphora provider (sourced by up.sh once compute, agents and fixtures are up):
# Debian's octavia-api (uwsgi), -worker, -health-manager and -housekeeping (Zed, 11.0), amphorae
# booted by Nova as libvirt-LXC instances from the image amphora-image.sh builds, on the
# management network lb-mgmt-net that the host reaches through o-hm0 (a veth whose other end the
# linuxbridge agent wires as the controller's Neutron port), SINGLE topology, controller <->
# amphora TLS with two CAs the sandbox makes. off unless BERTH_OSLAB_OCTAVIA=1.
if [ "$OCTAVIA" != 1 ]; then
  # An earlier run with Octavia left its endpoint in the catalog: out with it, and its daemons.
  for n in $OCTAVIA_SERVICES; do alive "$n" && stop "$n"; done
  $PY "$H/py/octavia_unlist.py" > "$LOG/octavia-unlist.log" 2>&1 \
    || { tail -20 "$LOG/octavia-unlist.log" >&2; die "could not take Octavia out of the catalog ($LOG/octavia-unlist.log)"; }
  rm -f "$STATE/octavia/setup.stamp"
  log "octavia: left out (BERTH_OSLAB_OCTAVIA=1 puts it in)$(sed 's/^/; /' "$LOG/octavia-unlist.log" | tr -d '\n')"
  return 0
fi
OETC=$ETC/octavia OST=$STATE/octavia CERTS=$STATE/octavia/certs
mkdir -p "$OETC" "$OST" "$CERTS" "$STATE/lock/octavia"
chmod 700 "$CERTS"

for h in 127.0.0.1 localhost; do
  echo "CREATE DATABASE IF NOT EXISTS ${DBPFX}octavia CHARACTER SET utf8;"
  echo "GRANT ALL PRIVILEGES ON ${DBPFX}octavia.* TO '$DBUSER'@'$h';"
done | "${DBQ[@]}" || die "could not create the octavia database"

# ---- certificates: one CA signs the amphorae's server certificates (Octavia's local certificate
# generator, at each amphora's build), another the controller's client certificate; each side
# checks the other against the CA it was given. Made once, kept across runs.
if [ ! -s "$CERTS/client.cert-and-key.pem" ]; then
  for ca in server_ca client_ca; do
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=berth sandbox octavia $ca" \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
      -keyout "$CERTS/$ca.key.pem" -out "$CERTS/$ca.cert.pem" 2>/dev/null || die "openssl: cannot make the octavia $ca"
  done
  openssl req -newkey rsa:2048 -nodes -subj "/CN=octavia-controller" \
    -keyout "$CERTS/client.key.pem" -out "$CERTS/client.csr" 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n' > "$CERTS/client.ext"
  openssl x509 -req -in "$CERTS/client.csr" -CA "$CERTS/client_ca.cert.pem" -CAkey "$CERTS/client_ca.key.pem" \
    -CAcreateserial -days 3650 -extfile "$CERTS/client.ext" -out "$CERTS/client.cert.pem" 2>/dev/null \
    || die "openssl: cannot sign the octavia controller's client certificate"
  cat "$CERTS/client.cert.pem" "$CERTS/client.key.pem" > "$CERTS/client.cert-and-key.pem"
  chmod 600 "$CERTS"/*.pem
fi
# Octavia keeps each amphora's private key encrypted with this (Fernet: 32 characters).
[ -s "$OST/server_certs_key_passphrase" ] || head -c 24 /dev/urandom | base64 | tr '+/' '-_' | cut -c1-32 > "$OST/server_certs_key_passphrase"
[ -s "$OST/heartbeat_key" ] || head -c 18 /dev/urandom | base64 > "$OST/heartbeat_key"

# ---- the amphora image (built beside the other start-up work, cached) and the other services' part
wait "$amp_image_pid" || { tail -20 "$LOG/amphora-image.log" >&2; die "the amphora image build failed ($LOG/amphora-image.log)"; }
AMP_IMAGE=$(tail -n 1 "$LOG/amphora-image.log")
mark amphora_image_ready
want_setup="$(sig "$H/py/octavia_setup.py") $(basename "$AMP_IMAGE") $LB_MGMT_CIDR"
if [ "$(cat "$OST/setup.stamp" 2>/dev/null)" = "$want_setup" ] && [ -s "$OST/setup.env" ]; then
  log "octavia: keystone, lb-mgmt-net, flavor and image already made"
else
  $PY "$H/py/octavia_setup.py" "$AMP_IMAGE" "$LB_MGMT_CIDR" "$COMPUTE_HOST" > "$OST/setup.env.tmp" 2> "$LOG/octavia-setup.log" \
    || { tail -30 "$LOG/octavia-setup.log" >&2; die "octavia setup failed ($LOG/octavia-setup.log)"; }
  mv "$OST/setup.env.tmp" "$OST/setup.env"
  echo "$want_setup" > "$OST/setup.stamp"
  log "octavia: user, endpoint, lb-mgmt-net ($LB_MGMT_CIDR), flavor amphora, image tag amphora made"
fi
. "$OST/setup.env"

# ---- the controller on lb-mgmt-net: o-hm0 on the host, its peer named as Neutron names the
# port's tap device, so the linuxbridge agent puts it into the network's bridge.
HM_TAP=tap${HM_PORT_ID:0:11}
if ! ip link show o-hm0 >/dev/null 2>&1 || ! ip link show "$HM_TAP" >/dev/null 2>&1; then
  ip link del o-hm0 2>/dev/null || true
  ip link add o-hm0 type veth peer name "$HM_TAP" || die "cannot make the veth o-hm0/$HM_TAP"
fi
ip link set o-hm0 address "$HM_PORT_MAC"
ip addr replace "$HM_PORT_IP/${LB_MGMT_CIDR#*/}" dev o-hm0
ip link set "$HM_TAP" up
ip link set o-hm0 up
for ((i = 0; i < 60; i++)); do   # the agent scans for new taps every 2 s
  [ -n "$(ip -o link show "$HM_TAP" | grep -o 'master brq[0-9a-f-]*')" ] && break
  sleep 1
done
[ "$i" -lt 60 ] || { logtail neutron-linuxbridge-agent; die "the linuxbridge agent did not wire $HM_TAP (the controller's port on lb-mgmt-net) in 60 s"; }
log "octavia: host on lb-mgmt-net as $HM_PORT_IP (o-hm0, peer $HM_TAP in $(ip -o link show "$HM_TAP" | grep -o 'brq[0-9a-f-]*'))"

cat > "$OETC/octavia.conf" <<EOC
[DEFAULT]
transport_url = $TRANSPORT
[api_settings]
bind_host = $IP
bind_port = 9876
auth_strategy = keystone
enabled_provider_drivers = amphora:The Octavia Amphora driver.
default_provider_driver = amphora
[database]
connection = $(DBURL octavia)
[health_manager]
bind_ip = $HM_PORT_IP
bind_port = 5555
controller_ip_port_list = $HM_PORT_IP:5555
heartbeat_key = $(cat "$OST/heartbeat_key")
health_update_threads = 1
stats_update_threads = 1
[keystone_authtoken]
www_authenticate_uri = http://$IP:5000
$(ksauth octavia)
[service_auth]
$(ksauth octavia)
[certificates]
cert_generator = local_cert_generator
ca_certificate = $CERTS/server_ca.cert.pem
ca_private_key = $CERTS/server_ca.key.pem
server_certs_key_passphrase = $(cat "$OST/server_certs_key_passphrase")
[haproxy_amphora]
server_ca = $CERTS/server_ca.cert.pem
client_cert = $CERTS/client.cert-and-key.pem
base_path = /var/lib/octavia
base_cert_dir = /var/lib/octavia/certs
# haproxy needs ~2.5 file descriptors per connection and cannot raise its limit past the LXC
# guest's hard limit (libvirtd's, inherited from whoever started the sandbox: 20000 here), so the
# stock 50000 per listener makes haproxy exit ("Cannot raise FD limit to 125029"). 2000 leaves
# room for several listeners per load balancer.
default_connection_limit = 2000
# an LXC amphora answers within seconds of booting: poll often, give up after ~5 min
connection_max_retries = 150
connection_retry_interval = 2
active_connection_max_retries = 15
active_connection_retry_interval = 2
[controller_worker]
workers = 1
amp_image_tag = amphora
amp_image_owner_id = $SERVICE_PROJECT_ID
amp_flavor_id = $AMP_FLAVOR_ID
amp_boot_network_list = $MGMT_NET_ID
amp_secgroup_list = $MGMT_SG_ID
client_ca = $CERTS/client_ca.cert.pem
loadbalancer_topology = SINGLE
# no config drive on libvirt-LXC: the agent's configuration and certificates go in user-data
# (cloud-init write_files, from the metadata service)
user_data_config_drive = true
# Nova takes 10-20 s to boot an amphora idle, minutes when the machine is loaded
amp_active_retries = 150
amp_active_wait_sec = 2
[house_keeping]
spare_amphora_pool_size = 0
[nova]
region_name = $REGION
endpoint_type = public
[neutron]
region_name = $REGION
endpoint_type = public
[glance]
region_name = $REGION
endpoint_type = public
[oslo_messaging]
topic = octavia_prov
[oslo_concurrency]
lock_path = $STATE/lock/octavia
[oslo_policy]
policy_dirs = /etc/octavia/policy.d
EOC

want_schema="$(dpkg-query -W -f='${Version}' python3-octavia) db=$DB_MODE:$DB_PORT"
octavia_tables=$("${DBQ[@]}" -N -e "select count(*) from information_schema.tables where table_schema='${DBPFX}octavia' and table_name='load_balancer'" 2>/dev/null || echo 0)
if [ "$(cat "$OST/schema.stamp" 2>/dev/null)" = "$want_schema" ] && [ "$octavia_tables" = 1 ]; then
  log "octavia schema already synced"
else
  octavia-db-manage --config-file "$OETC/octavia.conf" upgrade head > "$LOG/sync-octavia.log" 2>&1 \
    || { tail -30 "$LOG/sync-octavia.log" >&2; die "db sync for octavia failed ($LOG/sync-octavia.log)"; }
  echo "$want_schema" > "$OST/schema.stamp"
  log "octavia schema synced"
fi

OCONF=(--config-file "$OETC/octavia.conf")
# The worker runs each change as a flow in memory (no jobboard): restarting it under a load
# balancer in PENDING_* leaves that one there for good. When the worker must restart, wait
# (bounded) until none is.
want_worker=$(sig octavia-worker "${OCONF[@]}" --log-file "$LOG/octavia-worker-app.log")
if alive octavia-worker && [ "$(cat "$RUN/octavia-worker.sig" 2>/dev/null)" != "$want_worker" ]; then
  q_pending="select count(*) from ${DBPFX}octavia.load_balancer where provisioning_status like 'PENDING_%'"
  deadline=$((SECONDS + 600))
  while [ "$("${DBQ[@]}" -N -e "$q_pending")" != 0 ] && [ $SECONDS -lt $deadline ]; do
    log "octavia: waiting for load balancers in PENDING_* before restarting the worker"
    sleep 10
  done
fi
SIG_EXTRA="$OETC/octavia.conf" start octavia-api "${UWSGI[@]}" --http-socket $IP:9876 \
  --wsgi-file /usr/bin/octavia-wsgi --pyargv "--config-file $OETC/octavia.conf --log-file $LOG/octavia-api-app.log"
for s in octavia-worker octavia-health-manager octavia-housekeeping; do
  start $s $s "${OCONF[@]}" --log-file "$LOG/$s-app.log"
done
wait_http octavia-api http://$IP:9876/ 90
for s in $OCTAVIA_SERVICES; do alive $s || { logtail $s; die "$s died"; }; done
log "octavia: API http://$IP:9876, amphorae on lb-mgmt-net (flavor amphora, image tag amphora), health manager $HM_PORT_IP:5555"
