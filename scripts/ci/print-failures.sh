#!/usr/bin/env bash
# Prints the failed tests that scripts/run-suite.sh collected in FILE (each with its file and
# error) and what the machine had left (a full disk or no memory fails tests anywhere), then
# removes FILE. Prints nothing when none failed.
f=${1:?usage: print-failures.sh FILE}
[ -f "$f" ] || exit 0
if [ -s "$f" ]; then
  printf '\n==> what failed (%s)\n' "$(grep -c '^✖\|no test ran' "$f") failed"
  cat "$f"
  printf '==> the machine now: disk free %s; memory available %s MiB of %s MiB\n' \
    "$(df -h --output=avail,target / /var/lib/docker /var/tmp 2>/dev/null | tail -n +2 | awk '{print $1" on "$2}' | sort -u | paste -sd, -)" \
    "$(free -m | awk '/^Mem:/ {print $7}')" "$(free -m | awk '/^Mem:/ {print $2}')"
fi
rm -f "$f"
exit 0
