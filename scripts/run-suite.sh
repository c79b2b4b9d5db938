#!/usr/bin/env bash
# Runs one test suite (a folder under test/) with node's test runner, one file at a time
# (suites share real services: MariaDB, the Docker Engine, the OpenStack sandbox).
set -euo pipefail
cd "$(dirname "$0")/.."
suite=${1:?usage: run-suite.sh SUITE [FILTER]}
mapfile -t files < <(find "test/$suite" -name '*.test.ts' | sort | grep -- "${2:-}")
if [ ${#files[@]} -eq 0 ]; then echo "no test files in test/$suite" >&2; exit 1; fi
exec node --import tsx --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
