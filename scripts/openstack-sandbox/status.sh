# status: daemons from our PID files, APIs by a plain HTTP GET (sourced by openstack-sandbox.sh).
rc=0
[ -f "$STATE/infra.env" ] && . "$STATE/infra.env"
echo "state: $OSLAB"
echo "database: ${DB_MODE:-unknown} (127.0.0.1:${DB_PORT:-?}), broker: ${RMQ_MODE:-unknown} (127.0.0.1:${RMQ_PORT:-?})"
for s in mariadb epmd rabbitmq $SERVICES; do
  if alive "$s"; then echo "  running  $s (pid $(cat "$RUN/$s.pid"))"
  elif [ -e "$RUN/$s.pid" ]; then echo "  DEAD     $s (stale pid file)"; rc=1
  elif [[ " $SERVICES " == *" $s "* ]]; then echo "  stopped  $s"; rc=1
  fi
done
for sp in $API_PORTS; do
  if curl -s -o /dev/null -m 5 "http://$IP:${sp#*:}/"; then echo "  answers  ${sp%%:*} http://$IP:${sp#*:}"
  else echo "  silent   ${sp%%:*} http://$IP:${sp#*:}"; rc=1; fi
done
[ -f "$OSLAB/clouds.yaml" ] && echo "clouds.yaml: $OSLAB/clouds.yaml (clouds berth-admin, berth-demo)"
exit $rc
