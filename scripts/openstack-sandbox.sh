#!/usr/bin/env bash
# A single-node OpenStack (Debian 12 "Zed" packages) on 127.0.0.1, for berth's tests and for
# users who want to try berth with no cloud. Nova runs the fake virt driver: servers go ACTIVE,
# nothing boots. See docs/openstack.md.
#
#   scripts/openstack-sandbox.sh up       install what is missing, configure, start, bootstrap
#   scripts/openstack-sandbox.sh status   which daemons run, which APIs answer
#   scripts/openstack-sandbox.sh down     stop what `up` started [--purge: also drop its data]
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
  *) echo "usage: $0 up|down [--purge]|status" >&2; exit 2 ;;
esac
