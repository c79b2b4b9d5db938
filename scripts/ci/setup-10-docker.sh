#!/usr/bin/env bash
# Docker Engine, offline base images and the board's three images (berth/{web,app,dbs}:latest),
# for the docker suite. Idempotent: a second run reuses the running engine, the cached bases, the
# cached production node_modules and the build cache.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/ci/lib.sh
apt_install shellcheck
bash scripts/docker-engine.sh start
bash scripts/base-images.sh
${BERTH:-node bin/berth.js} build --offline-bases
