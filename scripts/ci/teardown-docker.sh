#!/usr/bin/env bash
# Stops the dockerd that setup-10-docker.sh started (it noted that dockerd's PID); an engine that
# was already running before the set-up is left alone, even one scripts/docker-engine.sh started.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. scripts/ci/lib.sh
MARK=$DOCKERD_STATE/dockerd.started-by-setup
if [ ! -f "$MARK" ]; then
  echo "Docker Engine: not started by set-up, left alone"
  exit 0
fi
if [ "$(cat "$MARK")" = "$(cat "$DOCKERD_STATE/dockerd.pid" 2>/dev/null)" ]; then
  bash scripts/docker-engine.sh stop
else
  echo "Docker Engine: the one set-up started is gone, nothing to stop"
fi
rm -f "$MARK"
