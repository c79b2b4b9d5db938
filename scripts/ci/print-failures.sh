#!/usr/bin/env bash
# Prints the failed tests that scripts/run-suite.sh collected in FILE (each with its file, line and
# error), then removes FILE. Prints nothing when none failed.
f=${1:?usage: print-failures.sh FILE}
[ -f "$f" ] || exit 0
if [ -s "$f" ]; then
  printf '\n==> what failed (%s)\n' "$(grep -c '^✖\|no test ran' "$f") failed"
  cat "$f"
fi
rm -f "$f"
exit 0
