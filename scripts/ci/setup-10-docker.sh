#!/usr/bin/env bash
# Docker Engine, offline base images and the board's three images (berth/{web,app,dbs}:latest),
# for the docker suite. Idempotent: a second run reuses the running engine, the cached bases, the
# cached production node_modules and the build cache.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/ci/lib.sh
apt_install shellcheck
# Note whether this set-up is the one that starts the engine: teardown-docker.sh stops only that
# one, never an engine that was already running (someone else's, or one that other work uses).
if bash scripts/docker-engine.sh status >/dev/null 2>&1; then
  bash scripts/docker-engine.sh start
else
  bash scripts/docker-engine.sh start
  cp "$DOCKERD_STATE/dockerd.pid" "$DOCKERD_STATE/dockerd.started-by-setup"
fi
bash scripts/base-images.sh
${BERTH:-node bin/berth.js} build --offline-bases
