#!/usr/bin/env bash
# The OpenStack sandbox the openstack suite runs against (idempotent; ~4 min of packages on a
# fresh machine, then ~70 s; ~30-60 s on a re-run). Its timings land in the CI log.
set -euo pipefail
cd "$(dirname "$0")/../.."
t0=$SECONDS
bash scripts/openstack-sandbox.sh up
echo "OpenStack sandbox up in $((SECONDS - t0)) s"
