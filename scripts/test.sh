#!/usr/bin/env bash
# One command for a newcomer or CI on a fresh Debian machine, as root or as a sudoer (it asks sudo
# for itself when not root): installs what the tests need (npm packages, chromium, a running
# MariaDB, Docker Engine, an OpenStack sandbox), then runs every suite. Each scripts/ci/setup-*.sh
# is idempotent and can be run alone; teardown stops only what set-up started.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/ci/lib.sh
as_root "$PWD/scripts/test.sh" "$@"
# Each failed test and its error, printed last (after the teardown's lines): the end of a long
# CI log is what gets read.
export BERTH_TEST_FAILURES
BERTH_TEST_FAILURES=$(mktemp)
trap 'bash scripts/ci/teardown.sh || true; bash scripts/ci/print-failures.sh "$BERTH_TEST_FAILURES"' EXIT

step "npm packages";    npm ci --no-audit --no-fund
step "Debian packages"; bash scripts/ci/setup-apt.sh
step "MariaDB";         bash scripts/ci/setup-mariadb.sh
# Numbered set-ups (Docker Engine and images, OpenStack sandbox, ...) run in order.
for s in scripts/ci/setup-[0-9]*.sh; do
  [ -f "$s" ] || continue
  step "$(basename "$s" .sh)"; bash "$s"
done
# This run owns the OpenStack sandbox: its life-cycle test may take it down and up again.
export BERTH_SANDBOX_LIFECYCLE=1
step "tests";           npm test || { rc=$?; bash scripts/ci/sandbox-errors.sh; exit "$rc"; }
