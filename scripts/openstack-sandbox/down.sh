# down: stop only the daemons `up` started, using its PID files. Each was started with setsid, so
# its PID is its process-group id and the whole group (uwsgi/eventlet workers, beam) is signalled.
# Never kills by name. --purge also drops our databases, RabbitMQ vhost/user and state.
# (sourced by openstack-sandbox.sh)
stop() {
  local name=$1 pidf=$RUN/$1.pid pid i t0=$SECONDS
  [ -s "$pidf" ] || return 0
  pid=$(cat "$pidf")
  # Not ours any more (gone, or the PID reused since): only forget it.
  if ! alive "$name"; then rm -f "$pidf" "$RUN/$name.start"; return 0; fi
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < 40; i++)); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 -- "-$pid" 2>/dev/null; then
    echo "down: $name (pgid $pid) did not stop in 20 s, sending KILL"
    kill -KILL -- "-$pid" 2>/dev/null; sleep 0.5
  fi
  rm -f "$pidf" "$RUN/$name.start"
  echo "down: stopped $name ($((SECONDS - t0))s)"
}
[ -d "$RUN" ] || { echo "down: nothing to stop ($RUN does not exist)"; [ "${1:-}" = --purge ] || exit 0; }
for n in $SERVICES; do stop "$n" & done
wait
for n in rabbitmq epmd mariadb; do stop "$n"; done

if [ "${1:-}" = "--purge" ]; then
  [ -f "$STATE/infra.env" ] && . "$STATE/infra.env"
  if [ "${DB_MODE:-}" = shared ]; then
    for db in keystone glance placement neutron nova_api nova nova_cell0; do
      mariadb --no-defaults -h $IP -P "$DB_PORT" -uroot -e "DROP DATABASE IF EXISTS $DBPFX$db" || true
    done
    mariadb --no-defaults -h $IP -P "$DB_PORT" -uroot -e \
      "DROP USER IF EXISTS '$DBUSER'@'127.0.0.1'; DROP USER IF EXISTS '$DBUSER'@'localhost'" || true
  fi
  if [ "${RMQ_MODE:-}" = shared ]; then
    rabbitmqctl -q delete_vhost "$RMQ_VHOST" >/dev/null 2>&1 || true
    rabbitmqctl -q delete_user "$RMQ_USER" >/dev/null 2>&1 || true
  fi
  rm -rf "$STATE" "$LOG" "$RUN" "$ETC" "$OSLAB"/*-openrc "$OSLAB/clouds.yaml" "$OSLAB/timings.txt"
  echo "down: purged $OSLAB"
fi
exit 0
