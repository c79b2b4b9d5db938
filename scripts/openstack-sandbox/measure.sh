#!/usr/bin/env bash
# Boots N servers (default 3) on the running sandbox as user demo, each pulling an image from the
# sandbox registry over TLS and serving HTTP from a container on a floating IP, and prints per
# server create -> ACTIVE and create -> HTTP answer from the host, then the sandbox's memory with
# them running (`status`) and the host's `free -m`. Everything it makes is deleted on exit.
#   scripts/openstack-sandbox/measure.sh [N]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
N=${1:-3}
export OS_CLIENT_CONFIG_FILE=$OSLAB/clouds.yaml OS_CLOUD=berth-demo
os() { openstack "$@"; }
NAME=berth-measure-$$
IMG=$REGISTRY/$NAME/node:20
made=()
cleanup() {
  set +e
  for s in $(seq "$N"); do os server delete --wait "$NAME-$s" >/dev/null 2>&1; done
  for f in $(os floating ip list --tags "$NAME" -f value -c ID 2>/dev/null); do os floating ip delete "$f"; done
  os router remove subnet "$NAME" "$NAME" >/dev/null 2>&1; os router delete "$NAME" >/dev/null 2>&1
  os network delete "$NAME" >/dev/null 2>&1; os security group delete "$NAME" >/dev/null 2>&1
  docker rmi "$IMG" >/dev/null 2>&1
}
trap cleanup EXIT
docker tag berth-base/node:20 "$IMG" && docker push -q "$IMG" >/dev/null
os network create "$NAME" -f value -c id >/dev/null
os subnet create "$NAME" --network "$NAME" --subnet-range 10.73.0.0/24 >/dev/null
os router create "$NAME" --external-gateway public >/dev/null
os router add subnet "$NAME" "$NAME"
os security group create "$NAME" >/dev/null
os security group rule create "$NAME" --protocol tcp --dst-port 80 --remote-ip "$EXT_GW/32" >/dev/null
ud=$(mktemp); trap 'rm -f "$ud"; cleanup' EXIT
cat > "$ud" <<EOU
#!/bin/sh
mkdir -p /etc/docker/certs.d/$REGISTRY
cat > /etc/docker/certs.d/$REGISTRY/ca.crt <<'EOC'
$(cat "$OSLAB/registry-ca.crt")
EOC
docker run -d --restart unless-stopped -p 80:8080 $IMG node -e "require('http').createServer((q, s) => s.end('up')).listen(8080)"
EOU
declare -A t0 fip
for s in $(seq "$N"); do
  t0[$s]=$EPOCHREALTIME
  os server create "$NAME-$s" --flavor m1.tiny --image debian-12-docker --network "$NAME" \
    --security-group "$NAME" --user-data "$ud" -f value -c id >/dev/null
done
for s in $(seq "$N"); do
  until [ "$(os server show "$NAME-$s" -f value -c status)" = ACTIVE ]; do sleep 0.5; done
  echo "server $s: ACTIVE $(awk -v a="${t0[$s]}" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.1f", b - a}') s after create"
  port=$(os port list --server "$NAME-$s" -f value -c ID)
  fip[$s]=$(os floating ip create public --port "$port" --tag "$NAME" -f value -c floating_ip_address)
done
for s in $(seq "$N"); do
  for ((i = 0; i < 600; i++)); do curl -sf -m 2 "http://${fip[$s]}/" >/dev/null && break; sleep 0.5; done
  echo "server $s: HTTP on ${fip[$s]} $(awk -v a="${t0[$s]}" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.1f", b - a}') s after create"
done
bash "$HERE/../openstack-sandbox.sh" status | grep -E '^memory|domains'
free -m
