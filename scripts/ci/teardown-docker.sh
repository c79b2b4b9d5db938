#!/usr/bin/env bash
# Stops the dockerd that setup-10-docker.sh started (by its PID file); a daemon that was already
# running before is left alone.
set -uo pipefail
bash "$(dirname "$0")/../docker-engine.sh" stop
