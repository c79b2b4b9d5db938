#!/usr/bin/env bash
# A single-node OpenStack (Debian 12 "Zed" packages) on 127.0.0.1, for berth's tests and for
# users who want to try berth with no cloud. Instances really boot: Nova on libvirt-LXC (system
# containers on the host's kernel), Neutron with linuxbridge/VXLAN, DHCP, routers, floating IPs on
# a bridge of its own, metadata and security groups, a registry with TLS. See docs/openstack.md.
#
#   scripts/openstack-sandbox.sh up       install what is missing, configure, start, bootstrap
#   scripts/openstack-sandbox.sh status   which daemons run, which APIs answer, agents alive
#   scripts/openstack-sandbox.sh down     stop what `up` started, remove its instances and dataplane
#                                         [--purge: also drop its data]
#
# State: $BERTH_OSLAB (default /var/tmp/berth-openstack). Needs Debian 12 and root.
# Credentials afterwards: $BERTH_OSLAB/clouds.yaml (clouds berth-admin, berth-demo).
set -euo pipefail   # NB: with pipefail never `cmd | grep -q` (grep exits early, cmd gets EPIPE)
HERE=$(cd "$(dirname "$0")/openstack-sandbox" && pwd)
# shellcheck source=openstack-sandbox/lib.sh
. "$HERE/lib.sh"

case "${1:-}" in
  up)     . "$HERE/up.sh" ;;
  down)   shift; . "$HERE/down.sh" ;;
  status) . "$HERE/status.sh" ;;
  # what of the sandbox is on the host (domains, namespaces, links, chains, mounts, loops)
  leftovers) . "$HERE/dataplane.sh"; left=$(sbx_leftovers); [ -z "$left" ] || { echo "$left"; exit 1; } ;;
  *) echo "usage: $0 up|down [--purge]|status|leftovers" >&2; exit 2 ;;
esac
