#!/usr/bin/env bash
# Stops what the set-up scripts started (each teardown-*.sh stops only what its set-up started).
set -uo pipefail
for s in "$(dirname "$0")"/teardown-*.sh; do [ -f "$s" ] && bash "$s"; done
exit 0
