#!/usr/bin/env bash
# Stops the OpenStack sandbox daemons that setup-20-openstack.sh started (keeps its data).
set -uo pipefail
cd "$(dirname "$0")/../.."
bash scripts/openstack-sandbox.sh down
