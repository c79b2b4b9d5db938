# down: stop what `up` started (by its PID files, never by name) and remove the dataplane it made:
# the instances' domains (Nova keeps their records: delete those servers after), Neutron's
# namespaces, devices and netfilter chains, the external bridge, mounts and loop devices. --purge
# also drops our databases, RabbitMQ vhost/user, state and the Docker Engine's trust of our CA
# (the guest image stays cached in $BERTH_CACHE). (sourced by openstack-sandbox.sh)
. "$(dirname "${BASH_SOURCE[0]}")/dataplane.sh"
[ "$(id -u)" = 0 ] || die "run as root"
if [ ! -d "$RUN" ]; then
  echo "down: nothing running ($RUN does not exist)"
else
  # Instances first, while libvirtd can still stop them cleanly.
  if alive libvirtd; then
    for d in $(virsh -q -c lxc:/// list --all --name 2>/dev/null); do
      virsh -q -c lxc:/// destroy "$d" >/dev/null 2>&1 || true
      virsh -q -c lxc:/// undefine "$d" >/dev/null 2>&1 && log "removed domain $d"
    done
  fi
  for n in $OCTAVIA_SERVICES $SERVICES; do stop "$n" & done
  wait
  for n in rabbitmq epmd mariadb; do stop "$n"; done
  # Controllers of domains a dead libvirtd left behind.
  for d in $(sbx_domains); do
    kill "$(cat "/run/libvirt/lxc/$d.pid")" 2>/dev/null && log "stopped orphan domain $d"
  done
fi
sbx_clean_dataplane
left=$(sbx_leftovers)
[ -z "$left" ] || { echo "down: still on the host:" >&2; echo "$left" | sed 's/^/  /' >&2; }

if [ "${1:-}" = "--purge" ]; then
  [ -f "$STATE/infra.env" ] && . "$STATE/infra.env"
  if [ "${DB_MODE:-}" = shared ]; then
    for db in keystone glance placement neutron nova_api nova nova_cell0 cinder octavia; do
      mariadb --no-defaults -h $IP -P "$DB_PORT" -uroot -e "DROP DATABASE IF EXISTS $DBPFX$db" || true
    done
    mariadb --no-defaults -h $IP -P "$DB_PORT" -uroot -e \
      "DROP USER IF EXISTS '$DBUSER'@'127.0.0.1'; DROP USER IF EXISTS '$DBUSER'@'localhost'" || true
  fi
  if [ "${RMQ_MODE:-}" = shared ]; then
    rabbitmqctl -q delete_vhost "$RMQ_VHOST" >/dev/null 2>&1 || true
    rabbitmqctl -q delete_user "$RMQ_USER" >/dev/null 2>&1 || true
  fi
  rm -rf "$STATE" "$LOG" "$RUN" "$ETC" "$OSLAB"/*-openrc "$OSLAB/clouds.yaml" "$OSLAB/timings.txt" \
    "$OSLAB/registry-ca.crt" "/etc/docker/certs.d/$REGISTRY"
  echo "down: purged $OSLAB"
fi
[ -z "$left" ]
