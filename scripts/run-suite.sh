#!/usr/bin/env bash
# Runs one test suite (a folder under test/) with node's test runner, one file at a time
# (suites share real services: MariaDB, the Docker Engine, the OpenStack sandbox).
# Fails when a test fails, and also when a file ran no test at all (it registers none, or all are
# skipped): a suite, filter or file that tests nothing must not pass.
# BERTH_TEST_ROOT (default test) is the folder that holds the suites; BERTH_TEST_NAME (default
# *.test.ts) the file names to run (*.octavia.ts: the tests that need Octavia, npm run test:octavia). BERTH_COVERAGE=1 adds a
# coverage table of the files under src/ that the tests ran (node's --experimental-test-coverage).
# BERTH_TEST_FAILURES, when set, is a file to which each failed test and its error are appended
# (scripts/test.sh prints it at the very end of the run).
set -euo pipefail
cd "$(dirname "$0")/.."
suite=${1:?usage: run-suite.sh SUITE [FILTER]}
root=${BERTH_TEST_ROOT:-test}
mapfile -t files < <(find "$root/$suite" -name "${BERTH_TEST_NAME:-*.test.ts}" | sort | grep -- "${2:-}")
if [ ${#files[@]} -eq 0 ]; then echo "no test files in $root/$suite${2:+ matching $2}" >&2; exit 1; fi
counts=$(mktemp)
failures=$(mktemp)
trap 'rm -f "$counts" "$failures"' EXIT
rc=0
spec=(--test-reporter=spec)
[ -n "${BERTH_COVERAGE:-}" ] && spec=(--experimental-test-coverage --test-reporter=./scripts/spec-src-coverage.mjs)
node --import tsx --test --test-concurrency=1 \
  "${spec[@]}" --test-reporter-destination=stdout \
  --test-reporter=./scripts/test-counts.mjs --test-reporter-destination="$counts" \
  --test-reporter=./scripts/test-failures.mjs --test-reporter-destination="$failures" \
  "${files[@]}" || rc=$?
for f in "${files[@]}"; do
  n=$(awk -F'\t' -v f="$(realpath -s "$f")" '$1 == f { print $2 }' "$counts")
  if [ "${n:-0}" -eq 0 ]; then
    echo "$f: no test ran (a test file must hold at least one test that runs)" | tee -a "$failures" >&2
    rc=1
  fi
done
[ -z "${BERTH_TEST_FAILURES:-}" ] || cat "$failures" >>"$BERTH_TEST_FAILURES"
exit "$rc"
