# status: daemons from our PID files, APIs by a plain HTTP GET, Neutron's agents by their last
# heartbeat, the instances' domains, the registry (sourced by openstack-sandbox.sh).
. "$(dirname "${BASH_SOURCE[0]}")/dataplane.sh"
rc=0
[ -f "$STATE/infra.env" ] && . "$STATE/infra.env"
echo "state: $OSLAB"
echo "database: ${DB_MODE:-unknown} (127.0.0.1:${DB_PORT:-?}), broker: ${RMQ_MODE:-unknown} (127.0.0.1:${RMQ_PORT:-?})"
[ "$OCTAVIA" = 1 ] && OSVC=$OCTAVIA_SERVICES || OSVC=
for s in mariadb epmd rabbitmq $SERVICES $OSVC; do
  if alive "$s"; then echo "  running  $s (pid $(cat "$RUN/$s.pid"))"
  elif [ -e "$RUN/$s.pid" ]; then echo "  DEAD     $s (stale pid file)"; rc=1
  elif [[ " $SERVICES $OSVC " == *" $s "* ]]; then echo "  stopped  $s"; rc=1
  fi
done
[ "$OCTAVIA" = 1 ] && API_PORTS="$API_PORTS octavia-api:9876"
for sp in $API_PORTS; do
  if curl -s -o /dev/null -m 5 "http://$IP:${sp#*:}/"; then echo "  answers  ${sp%%:*} http://$IP:${sp#*:}"
  else echo "  silent   ${sp%%:*} http://$IP:${sp#*:}"; rc=1; fi
done
if curl -sf -o /dev/null -m 5 --cacert "$OSLAB/registry-ca.crt" "https://$REGISTRY/v2/" 2>/dev/null; then
  echo "  answers  registry https://$REGISTRY (CA $OSLAB/registry-ca.crt)"
else echo "  silent   registry https://$REGISTRY"; rc=1; fi
# heartbeats WHAT MAX_AGE_S QUERY: one line per row (name, host, seconds since its last report),
# alive when it reported within MAX_AGE_S.
heartbeats() {
  local rows name host age
  rows=$("${DBQ[@]}" -N -e "$3" 2>/dev/null) || rows=
  [ -n "$rows" ] || { echo "  no $1 registered"; rc=1; }
  while IFS=$'\t' read -r name host age; do
    [ -n "$name" ] || continue
    if [ "$age" -le "$2" ]; then echo "  alive    $name on $host (reported ${age}s ago)"
    else echo "  DEAD     $name on $host (last report ${age}s ago)"; rc=1; fi
  done <<<"$rows"
}
if [ -n "${DB_PORT:-}" ]; then
  if [ "$DB_MODE" = private ]; then DBQ=(mariadb --no-defaults -S "$RUN/mysql/mysqld.sock" -uroot)
  else DBQ=(mariadb --no-defaults -h $IP -P "$DB_PORT" -uroot); fi
  # Neutron's agent_down_time is 75 s, Cinder's service_down_time 60 s.
  heartbeats "Neutron agents" 75 "select agent_type, host, timestampdiff(second, heartbeat_timestamp, utc_timestamp())
    from ${DBPFX}neutron.agents order by agent_type"
  heartbeats "Cinder services" 60 "select \`binary\`, host, timestampdiff(second, updated_at, utc_timestamp())
    from ${DBPFX}cinder.services where deleted=0 and disabled=0 order by \`binary\`"
  vols=$("${DBQ[@]}" -N -e "select count(*), coalesce(sum(size), 0), coalesce(sum(attach_status = 'attached'), 0)
    from ${DBPFX}cinder.volumes where deleted=0" 2>/dev/null) || vols=
  [ -z "$vols" ] || { read -r n gb att <<<"$vols"; echo "  volumes  $n ($gb GB), $att attached"; }
fi
if alive libvirtd; then
  echo "  domains  $(virsh -q -c lxc:/// list --name 2>/dev/null | grep -c .) running (libvirt-LXC)"
fi
# Memory: each daemon's whole process group (workers, the agents' privsep helpers), the daemons
# the agents run in namespaces (dnsmasq, haproxy), the instances' memory cgroups and their
# libvirt_lxc controllers.
mib() { awk '{s += $1} END {printf "%d", s / 1024}'; }
ps_rss=$(ps -e -o pid=,pgid=,rss=)
daemons=$(for s in $SERVICES $OCTAVIA_SERVICES; do if alive "$s"; then awk -v g="$(cat "$RUN/$s.pid")" '$2 == g {print $3}' <<<"$ps_rss"; fi; done | mib)
in_ns=$(for ns in $(sbx_namespaces); do for p in $(ip netns pids "$ns"); do awk -v p="$p" '$1 == p {print $3}' <<<"$ps_rss"; done; done | mib)
controllers=$(for d in $(sbx_domains); do awk -v p="$(cat "/run/libvirt/lxc/$d.pid")" '$1 == p {print $3}' <<<"$ps_rss"; done | mib)
stats=$(cat /sys/fs/cgroup/memory/machine/*.libvirt-lxc/memory.stat 2>/dev/null || true)
guests=$(awk '$1 == "total_rss" {print $2 / 1024}' <<<"$stats" | mib)
cache=$(awk '$1 == "total_cache" {print $2 / 1024}' <<<"$stats" | mib)
echo "memory (RSS, MiB): daemons $daemons, in namespaces $in_ns, instances $guests (+$cache page cache) + controllers $controllers; total $((daemons + in_ns + guests + controllers))"
[ -f "$OSLAB/clouds.yaml" ] && echo "clouds.yaml: $OSLAB/clouds.yaml (clouds berth-admin, berth-demo)"
exit $rc
