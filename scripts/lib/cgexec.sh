#!/usr/bin/env bash
# cgexec.sh DIR... -- COMMAND...: runs COMMAND inside the cgroups DIR... (each a folder of a
# mounted hierarchy): this shell joins them, then becomes COMMAND, so that the program and every
# process it forks are counted there from their first instruction (scripts/lib/cgroup.sh).
set -euo pipefail
dirs=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do dirs+=("$1"); shift; done
[ "${1:-}" = -- ] || { echo "cgexec: usage: cgexec.sh DIR... -- COMMAND..." >&2; exit 2; }
shift
for d in "${dirs[@]}"; do
  echo $$ > "$d/cgroup.procs" || { echo "cgexec: cannot join $d" >&2; exit 2; }
done
exec "$@"
