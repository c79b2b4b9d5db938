#!/usr/bin/env bash
# The OpenStack sandbox the openstack suite runs against, with real instances (idempotent; on a
# fresh machine ~3.5 min of packages, then the guest image build (~2.5 min, cached in
# /var/cache/berth) while the databases sync; ~45 s on a re-run). Its timings land in the CI log.
set -euo pipefail
cd "$(dirname "$0")/../.."
t0=$SECONDS
bash scripts/openstack-sandbox.sh up
echo "OpenStack sandbox up in $((SECONDS - t0)) s"
cat "${BERTH_OSLAB:-/var/tmp/berth-openstack}/timings.txt" 2>/dev/null || true
