#!/usr/bin/env bash
# After a failed test run: the last errors each OpenStack sandbox service logged (the first line
# of each, not its traceback), so that a failure in CI also says what the cloud saw. Prints
# nothing when there is no sandbox or no error.
log=${BERTH_OSLAB:-/var/tmp/berth-openstack}/log
[ -d "$log" ] || exit 0
for f in "$log"/*-app.log; do
  lines=$(grep -E '^[0-9-]+ [0-9:.]+ [0-9]+ ERROR [^ ]+ \[' "$f" | tail -n 8 | cut -c1-300)
  [ -z "$lines" ] || printf '== %s: its last errors\n%s\n' "$(basename "$f" -app.log)" "$lines"
done
exit 0
