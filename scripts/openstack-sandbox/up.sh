# up: check, install, configure, start, bootstrap; idempotent, and converts a running sandbox in
# place (a daemon whose command or configuration changed is restarted, the others are left
# running). Sourced by openstack-sandbox.sh.
[ "$(id -u)" = 0 ] || die "run as root (it installs packages, makes bridges and starts daemons)"
H=$(dirname "${BASH_SOURCE[0]}")
. "$H/checks.sh"    # before anything changes
mkdir -p "$OSLAB" "$ETC" "$RUN" "$LOG" "$STATE"
T0_UTC=$(date -u '+%F %T')
chmod 755 "$OSLAB"
: > "$OSLAB/timings.txt"
mark() { echo "$1 $(el)" >> "$OSLAB/timings.txt"; }
mark checked
. "$H/install.sh";  mark installed
# Daemons gone without a `down` (a reboot, a killed session) leave their dataplane behind:
# namespaces, devices, chains, mounts, loop devices. Start from a clean host.
. "$H/dataplane.sh"
if ! alive libvirtd && ! alive neutron-linuxbridge-agent && [ -n "$(sbx_leftovers)" ]; then
  log "removing what an earlier sandbox left on the host (its daemons are gone)"
  for d in $(sbx_domains); do kill "$(cat "/run/libvirt/lxc/$d.pid")" 2>/dev/null || true; done
  sbx_clean_dataplane
fi
ebtables -t nat -L >/dev/null 2>&1 \
  || die "ebtables has no nat table (the agents' anti-spoofing rules): needs nf_tables bridge support in the kernel (CONFIG_NF_TABLES_BRIDGE)"
# The guest image builds (once, then it is cached) while the cloud starts.
bash "$H/guest-image.sh" > "$LOG/guest-image.log" 2>&1 & image_pid=$!
amp_image_pid=
[ "$OCTAVIA" = 1 ] && { bash "$H/amphora-image.sh" > "$LOG/amphora-image.log" 2>&1 & amp_image_pid=$!; }
. "$H/infra.sh";    mark infra_ready
. "$H/configs.sh"
. "$H/schema.sh";   mark schemas_synced
. "$H/network.sh"
. "$H/registry.sh"; mark network_ready

# ---- API daemons. keystone and placement under uwsgi (1 process x 4 threads), the others as
# the packaged eventlet scripts with one worker each.
UWSGI=(uwsgi --plugin python3 --master --processes 1 --threads 4 --enable-threads --lazy-apps
  --die-on-term --buffer-size 65535 --need-app
  --add-header "Connection: close")  # uwsgi's http-socket closes after each reply without saying so
start keystone "${UWSGI[@]}" --http-socket $IP:5000 --wsgi-file /usr/bin/keystone-wsgi-public \
  --env OS_KEYSTONE_CONFIG_FILES="$ETC/keystone/keystone.conf"
SIG_EXTRA="$ETC/placement/placement.conf" start placement "${UWSGI[@]}" --http-socket $IP:8778 \
  --wsgi-file /usr/bin/placement-api --env OS_PLACEMENT_CONFIG_DIR="$ETC/placement"
start glance-api glance-api --config-file "$ETC/glance/glance-api.conf"
NCONF=(--config-file "$ETC/neutron/neutron.conf")
start neutron-server neutron-server "${NCONF[@]}" --config-file "$ETC/neutron/ml2_conf.ini" \
  --log-file "$LOG/neutron-server-app.log"
start nova-api nova-api --config-file "$ETC/nova/nova.conf" --log-file "$LOG/nova-api-app.log"
start cinder-api cinder-api --config-file "$ETC/cinder/cinder.conf" --log-file "$LOG/cinder-api-app.log"
wait_http keystone http://$IP:5000/v3 90
mark keystone_up
export SANDBOX_IP=$IP SANDBOX_PW=$PW SANDBOX_REGION=$REGION
# The bootstrap (and the fixtures below) cost ~10 s of SDK start-up each: a stamp skips them
# while the password still works (schema.sh drops the stamps when it re-syncs).
demo_auth='{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"demo","domain":{"id":"default"},"password":"'$PW'"}}},"scope":{"project":{"name":"demo","domain":{"id":"default"}}}}}'
want_bootstrap=$(sig "$H/py/bootstrap.py")
if [ "$(cat "$STATE/bootstrap.stamp" 2>/dev/null)" = "$want_bootstrap" ] && curl -sf -o /dev/null -m 10 -H 'Content-Type: application/json' -d @- http://$IP:5000/v3/auth/tokens <<<"$demo_auth"; then
  log "keystone: already bootstrapped"
else
  $PY "$H/py/bootstrap.py" > "$LOG/bootstrap.log" 2>&1 || { tail -30 "$LOG/bootstrap.log" >&2; die "keystone bootstrap failed ($LOG/bootstrap.log)"; }
  echo "$want_bootstrap" > "$STATE/bootstrap.stamp"
  log "keystone: projects, users and catalog in place"
fi
mark keystone_bootstrapped

# Conductor, scheduler and compute authenticate as user nova when they start (and die if they
# cannot); compute's first resource-provider report also needs placement.
for s in nova-conductor nova-scheduler; do
  start $s $s --config-file "$ETC/nova/nova.conf" --log-file "$LOG/$s-app.log"
done
wait_http placement http://$IP:8778/ 90
. "$H/compute.sh"
SIG_EXTRA="$H/py/berth_lxc.py" start nova-compute $PY "$H/py/nova_compute.py" \
  --config-file "$ETC/nova/nova-compute.conf" --log-file "$LOG/nova-compute-app.log"
wait_http glance-api http://$IP:9292/ 120
wait_http neutron-server http://$IP:9696/ 120
wait_http nova-api http://$IP:8774/ 120
wait_http cinder-api http://$IP:8776/ 120
mark apis_up
log "all APIs answering"

# ---- Cinder's scheduler and volume service (py/berth_loop.py: volumes are files on loop
# devices, attached by nova-compute on this same host as local block devices).
start cinder-scheduler cinder-scheduler --config-file "$ETC/cinder/cinder.conf" --log-file "$LOG/cinder-scheduler-app.log"
SIG_EXTRA="$H/py/berth_loop.py" start cinder-volume $PY "$H/py/cinder_volume.py" \
  --config-file "$ETC/cinder/cinder.conf" --log-file "$LOG/cinder-volume-app.log"

# ---- Neutron's agents, as root (their root_helper is plain sudo).
start neutron-linuxbridge-agent $PY "$H/py/linuxbridge_agent.py" "${NCONF[@]}" \
  --config-file "$ETC/neutron/linuxbridge_agent.ini" --log-file "$LOG/neutron-linuxbridge-agent-app.log"
dhcp_log=$LOG/neutron-dhcp-agent-app.log
dhcp_log_at=$(($(stat -c %s "$dhcp_log" 2>/dev/null || echo 0) + 1))
start neutron-dhcp-agent $PY "$H/py/dhcp_agent.py" "${NCONF[@]}" --config-file "$ETC/neutron/dhcp_agent.ini" \
  --log-file "$dhcp_log"
for a in l3 metadata; do
  start neutron-$a-agent neutron-$a-agent "${NCONF[@]}" --config-file "$ETC/neutron/${a}_agent.ini" \
    --log-file "$LOG/neutron-$a-agent-app.log"
done
# A sandbox made by an older `up` registered a fake Open vSwitch agent: it has no place here.
"${DBQ[@]}" -e "delete from ${DBPFX}neutron.agents where agent_type='Open vSwitch agent'"

# The compute host must be mapped to cell1, have its libvirt node's resource provider in placement
# and a heartbeat newer than its (re)start, if this run (re)started it (the old service row says
# "down" to the scheduler), else one that says it is up; every agent must be alive the same way.
fresh() {   # fresh SERVICE UP_WINDOW_S: the SQL condition a heartbeat must meet
  if [[ " ${STARTED:-} " == *" $1 "* ]]; then echo "> '$T0_UTC'"; else echo "> utc_timestamp() - interval $2 second"; fi
}
q_mapped="select count(*) from ${DBPFX}nova_api.host_mappings where host='$COMPUTE_HOST'"
q_rp="select count(*) from ${DBPFX}placement.resource_providers rp join ${DBPFX}nova.compute_nodes cn
  on cn.uuid = rp.uuid where cn.host='$COMPUTE_HOST' and cn.deleted=0 and cn.hypervisor_type='lxc'"
q_beat="select count(*) from ${DBPFX}nova.services where host='$COMPUTE_HOST' and topic='compute'
  and deleted=0 and updated_at $(fresh nova-compute 60)"
q_agents=$(for a in $AGENT_SERVICES; do
  echo "select count(*) from ${DBPFX}neutron.agents where host='$COMPUTE_HOST' and \`binary\`='$a' and heartbeat_timestamp $(fresh $a 75);"
done)
q_volume="select count(*) from ${DBPFX}cinder.services where host='$COMPUTE_HOST@local' and \`binary\`='cinder-volume'
  and deleted=0 and disabled=0 and updated_at $(fresh cinder-volume 60)"
n_agents=$(wc -w <<<"$AGENT_SERVICES")
registered() {
  [ "$("${DBQ[@]}" -N -e "$q_mapped")" -ge 1 ] && [ "$("${DBQ[@]}" -N -e "$q_rp")" -ge 1 ] \
    && [ "$("${DBQ[@]}" -N -e "$q_volume")" -ge 1 ] \
    && [ "$("${DBQ[@]}" -N -e "$q_beat")" -ge 1 ] && [ "$("${DBQ[@]}" -N -e "$q_agents" | grep -cx 1)" -ge "$n_agents" ]
}
deadline=$((SECONDS + 180)) i=0
until registered; do
  [ $SECONDS -lt $deadline ] || { logtail nova-compute; logtail cinder-volume; die "compute host $COMPUTE_HOST, its agents or its volume service not registered in 180 s"; }
  for s in nova-compute cinder-volume $AGENT_SERVICES; do alive $s || { logtail $s; die "$s died"; }; done
  ((++i % 5 == 0)) && "${NOVA_MANAGE[@]}" cell_v2 discover_hosts > /dev/null 2>&1 || true
  sleep 1
done
for s in $SERVICES; do alive $s || { logtail $s; die "$s died"; }; done
# A (re)started DHCP agent reports its heartbeat even while its first sync hangs: wait for the
# sync itself, so servers booted right after `up` get their leases.
if [[ " ${STARTED:-} " == *" neutron-dhcp-agent "* ]]; then
  deadline=$((SECONDS + 120))
  until tail -c "+$dhcp_log_at" "$dhcp_log" 2>/dev/null | grep -q 'Synchronizing state complete'; do
    [ $SECONDS -lt $deadline ] || { logtail neutron-dhcp-agent; die "the DHCP agent did not finish its first sync in 120 s"; }
    alive neutron-dhcp-agent || { logtail neutron-dhcp-agent; die "neutron-dhcp-agent died"; }
    sleep 1
  done
fi
mark compute_ready
log "nova-compute (libvirt-LXC) registered, mapped to cell1 and in placement; $n_agents agents and cinder-volume alive"

# ---- fixtures and credentials
wait $image_pid || { tail -20 "$LOG/guest-image.log" >&2; die "the guest image build failed ($LOG/guest-image.log)"; }
GUEST_IMAGE=$(tail -n 1 "$LOG/guest-image.log")
mark image_ready
mkdir -p "$STATE/ssh"
[ -f "$STATE/ssh/berth_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C berth-sandbox -f "$STATE/ssh/berth_ed25519"
want_fixtures="$(sig "$H/py/fixtures.py") $(basename "$GUEST_IMAGE") $EXT_CIDR"
if [ "$(cat "$STATE/fixtures.stamp" 2>/dev/null)" = "$want_fixtures" ]; then
  log "fixtures: already made"
else
  SANDBOX_EXT_CIDR=$EXT_CIDR $PY "$H/py/fixtures.py" "$GUEST_IMAGE" "$STATE/ssh/berth_ed25519.pub" > "$LOG/fixtures.log" 2>&1 \
    || { tail -30 "$LOG/fixtures.log" >&2; die "fixtures failed ($LOG/fixtures.log)"; }
  echo "$want_fixtures" > "$STATE/fixtures.stamp"
  log "fixtures: flavors, image debian-12-docker, external network public, key pair berth (demo)"
fi
mark fixtures_done
. "$H/octavia.sh";  mark octavia_ready

umask 077
{
  echo "clouds:"
  for who in admin demo; do cat <<EOC
  berth-$who:
    auth:
      auth_url: http://$IP:5000/v3
      username: $who
      password: $PW
      project_name: $who
      user_domain_name: Default
      project_domain_name: Default
    region_name: $REGION
    interface: public
    identity_api_version: 3
EOC
  done
} > "$OSLAB/clouds.yaml"
umask 022
mark done
log "registry: https://$REGISTRY, its CA: $OSLAB/registry-ca.crt"
log "ready: export OS_CLIENT_CONFIG_FILE=$OSLAB/clouds.yaml OS_CLOUD=berth-demo"
