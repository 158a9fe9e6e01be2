#!/usr/bin/env bash
# Two loadgen builds by instructions per request, where this machine has no hardware counters and
# CPU time per request wanders by several percent from run to run: each build under callgrind,
# the paced seed workload (the seed's protocol, a new connection per request, --rate RATE over
# USERS users, the sockets client path: valgrind does not follow io_uring's shared rings), for
# SHORT and for LONG seconds; (Ir(LONG) - Ir(SHORT)) / (requests(LONG) - requests(SHORT)) cancels
# what start-up and the end cost, and both builds pay the same per-second work. Prints each
# build's instructions per request and new / old.
#   OLD=/tmp/old/build/loadgen/loadgen bash bench/callgrind_ab.sh   (RATE=200 USERS=50 SHORT=4 LONG=10)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
need valgrind; need jq
OLD=${OLD:?OLD=path of the other loadgen build}; NEW=${NEW:-$LOADGEN}
RATE=${RATE:-200}; USERS=${USERS:-50}; SHORT=${SHORT:-4}; LONG=${LONG:-10}
work=$(mktemp -d /tmp/loadlab-callgrind.XXXXXX)
trap 'cleanup_all; rm -rf "$work"' EXIT
start_server select-seed seed
url="http://127.0.0.1:$SRV_PORT/"
run() {  # build-name binary seconds -> "Ir requests"
  local out=$work/$1.$3
  taskset -c "$CLIENT_CPU" valgrind --tool=callgrind --callgrind-out-file="$out.cg" "$2" -H "$url" -u "$USERS" \
    --rate "$RATE" -t "${3}s" --client-io sockets -q --json "$out.json" 2> "$out.err" ||
    { echo "bench: $1 failed: $(tail -3 "$out.err")" >&2; exit 1; }
  echo "$(sed -nE 's/^(summary|totals): ([0-9]+).*/\2/p' "$out.cg" | tail -1) $(jq .summary.requests "$out.json")"
}
for b in old new; do
  bin=$OLD; [ "$b" = new ] && bin=$NEW
  read -r ir_s n_s < <(run "$b" "$bin" "$SHORT")
  read -r ir_l n_l < <(run "$b" "$bin" "$LONG")
  per=$(awk -v a="$ir_l" -v b="$ir_s" -v c="$n_l" -v d="$n_s" 'BEGIN {printf "%.0f", (a - b) / (c - d)}')
  echo "$b: $per instructions/request ($n_s and $n_l requests; Ir $ir_s and $ir_l)" | tee -a "$work/per"
done
awk '{v[NR] = $2} END {printf "new / old: %.3f\n", v[2] / v[1]}' "$work/per"
