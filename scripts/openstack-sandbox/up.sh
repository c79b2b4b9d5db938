# up: install, configure, start, bootstrap; idempotent (sourced by openstack-sandbox.sh).
[ "$(id -u)" = 0 ] || die "run as root (it installs packages and starts daemons as their users)"
mkdir -p "$OSLAB" "$ETC" "$RUN" "$LOG" "$STATE"
chmod 755 "$OSLAB"
: > "$OSLAB/timings.txt"
mark() { echo "$1 $(el)" >> "$OSLAB/timings.txt"; }
H=$(dirname "${BASH_SOURCE[0]}")

. "$H/install.sh";  mark installed
. "$H/infra.sh";    mark infra_ready
. "$H/configs.sh"
. "$H/schema.sh";   mark schemas_synced

# ---- daemons. keystone and placement under uwsgi (1 process x 4 threads), the others as the
# packaged eventlet scripts with one worker each.
UWSGI=(uwsgi --plugin python3 --master --processes 1 --threads 4 --enable-threads --lazy-apps
  --die-on-term --buffer-size 65535 --need-app
  --add-header "Connection: close")  # uwsgi's http-socket closes after each reply without saying so
start keystone "${UWSGI[@]}" --http-socket $IP:5000 --wsgi-file /usr/bin/keystone-wsgi-public \
  --env OS_KEYSTONE_CONFIG_FILES="$ETC/keystone/keystone.conf"
start placement "${UWSGI[@]}" --http-socket $IP:8778 --wsgi-file /usr/bin/placement-api \
  --env OS_PLACEMENT_CONFIG_DIR="$ETC/placement"
start glance-api glance-api --config-file "$ETC/glance/glance-api.conf"
start neutron-server neutron-server --config-file "$ETC/neutron/neutron.conf" \
  --config-file "$ETC/neutron/ml2_conf.ini" --log-file "$LOG/neutron-server-app.log"
start nova-api nova-api --config-file "$ETC/nova/nova.conf" --log-file "$LOG/nova-api-app.log"
wait_http keystone http://$IP:5000/v3 90
mark keystone_up
export SANDBOX_IP=$IP SANDBOX_PW=$PW SANDBOX_REGION=$REGION
# The bootstrap (and the fixtures below) cost ~10 s of SDK start-up each: a stamp skips them
# while the password still works (schema.sh drops the stamps when it re-syncs).
demo_auth='{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"demo","domain":{"id":"default"},"password":"'$PW'"}}},"scope":{"project":{"name":"demo","domain":{"id":"default"}}}}}'
if [ -f "$STATE/bootstrap.stamp" ] && curl -sf -o /dev/null -m 10 -H 'Content-Type: application/json' -d @- http://$IP:5000/v3/auth/tokens <<<"$demo_auth"; then
  log "keystone: already bootstrapped"
else
  $PY "$H/bootstrap.py" > "$LOG/bootstrap.log" 2>&1 || { tail -30 "$LOG/bootstrap.log" >&2; die "keystone bootstrap failed ($LOG/bootstrap.log)"; }
  touch "$STATE/bootstrap.stamp"
  log "keystone: projects, users and catalog in place"
fi
mark keystone_bootstrapped

# Conductor, scheduler and compute authenticate as user nova when they start (and die if they
# cannot); compute's first resource-provider report also needs placement, else the next comes a
# minute later.
for s in nova-conductor nova-scheduler; do
  start $s $s --config-file "$ETC/nova/nova.conf" --log-file "$LOG/$s-app.log"
done
wait_http placement http://$IP:8778/ 90
start nova-compute $PY -c 'import sys; from nova.cmd.compute import main; sys.argv[0] = "nova-compute"; sys.exit(main())' \
  --config-file "$ETC/nova/nova-compute.conf" --log-file "$LOG/nova-compute-app.log"
wait_http glance-api http://$IP:9292/ 120
wait_http neutron-server http://$IP:9696/ 120
wait_http nova-api http://$IP:8774/ 120
mark apis_up
log "all APIs answering"

if "${DBQ[@]}" -N -e "select host from ${DBPFX}neutron.agents where agent_type='Open vSwitch agent'" | grep -x "$COMPUTE_HOST" >/dev/null; then
  log "fake OVS agent already registered"
else
  timeout 120 $PY "$H/fake_ovs_agent.py" "$ETC/neutron/neutron.conf" $COMPUTE_HOST > "$LOG/fake-ovs-agent.log" 2>&1 \
    || { tail -30 "$LOG/fake-ovs-agent.log" >&2; logtail neutron-server; die "fake OVS agent registration failed"; }
  log "fake OVS agent registered for host $COMPUTE_HOST"
fi

# The compute host must be mapped to cell1 and have its resource provider in placement before a
# server can be scheduled.
q_mapped="select count(*) from ${DBPFX}nova_api.host_mappings where host='$COMPUTE_HOST'"
q_rp="select count(*) from ${DBPFX}placement.resource_providers where name='$COMPUTE_HOST'"
# ... and a fresh heartbeat: after a restart the old service row says "down" to the scheduler.
q_beat="select count(*) from ${DBPFX}nova.services where host='$COMPUTE_HOST' and topic='compute'
  and deleted=0 and updated_at > utc_timestamp() - interval $(( ${EPOCHREALTIME%.*} - ${T0%.*} )) second"
for ((i = 0; i < 120; i++)); do
  [ "$("${DBQ[@]}" -N -e "$q_mapped")" -ge 1 ] && [ "$("${DBQ[@]}" -N -e "$q_rp")" -ge 1 ] \
    && [ "$("${DBQ[@]}" -N -e "$q_beat")" -ge 1 ] && break
  alive nova-compute || { logtail nova-compute; die "nova-compute died"; }
  ((i % 5 == 4)) && "${NOVA_MANAGE[@]}" cell_v2 discover_hosts > /dev/null 2>&1 || true
  sleep 1
done
[ "$i" -lt 120 ] || { logtail nova-compute; die "compute host $COMPUTE_HOST not registered in 120 s"; }
for s in $SERVICES; do alive $s || { logtail $s; die "$s died"; }; done
mark compute_ready
log "nova-compute registered, mapped to cell1 and in placement"

# ---- fixtures and credentials
[ -f "$STATE/debian-12.raw" ] || head -c 1048576 /dev/zero > "$STATE/debian-12.raw"
mkdir -p "$STATE/ssh"
[ -f "$STATE/ssh/berth_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C berth-sandbox -f "$STATE/ssh/berth_ed25519"
if [ -f "$STATE/fixtures.stamp" ]; then
  log "fixtures: already made"
else
  $PY "$H/fixtures.py" "$STATE/debian-12.raw" "$STATE/ssh/berth_ed25519.pub" > "$LOG/fixtures.log" 2>&1 \
    || { tail -30 "$LOG/fixtures.log" >&2; die "fixtures failed ($LOG/fixtures.log)"; }
  touch "$STATE/fixtures.stamp"
  log "fixtures: flavors, image debian-12, external network public, key pair berth (demo)"
fi
mark fixtures_done

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
log "ready: export OS_CLIENT_CONFIG_FILE=$OSLAB/clouds.yaml OS_CLOUD=berth-demo"
