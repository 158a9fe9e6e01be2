#!/usr/bin/env bash
# What a paced client costs per request on each client path: open loop at RATE/s over USERS
# kept-alive connections (the capacity search's idle keep-alive workload) against the epoll
# model (or TARGET=nginx), the ring (--client-io uring) and the sockets path alternated ABBA,
# ROUNDS of DUR seconds. Prints each run (client CPU us per request, req/s, p50 and p99 ms,
# system calls per request with SYSCALLS=1) and the medians. The capacity search runs this way: its "client's
# limit" is where this cost times the rate fills the client's CPU.
#   bash bench/paced_client.sh                    (RATE=10000 USERS=2000 ROUNDS=4 DUR=6)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
need taskset; need jq
SYSCALLS=${SYSCALLS:-0}  # 1: count system calls too (perf stat; its tracepoint adds to the CPU measured)
[ "$SYSCALLS" = 1 ] && need perf
RATE=${RATE:-10000}; USERS=${USERS:-2000}; ROUNDS=${ROUNDS:-4}; DUR=${DUR:-6}; TARGET=${TARGET:-model:epoll}
if [ "$TARGET" = nginx ]; then
  port=$(free_port); start_nginx "$port" 120 1
else
  start_server "${TARGET#model:}" http11; port=$SRV_PORT
fi
out=$(mktemp)
run() {
  local json perfout; json=$(mktemp); perfout=$(mktemp)
  local count=(); [ "$SYSCALLS" = 1 ] && count=(perf stat -x, -e raw_syscalls:sys_enter -o "$perfout" --)
  "${count[@]}" /usr/bin/time -f "%U %S %M" -o "$json.time" taskset -c "$CLIENT_CPU" "$LOADGEN" -H "http://127.0.0.1:$port/" \
    -u "$USERS" -r 1000000 --rate "$RATE" --keepalive --client-io "$1" -t "${DUR}s" -q --json "$json" >/dev/null
  local cpu n calls
  cpu=$(awk '{print $1 + $2}' "$json.time"); n=$(jq .summary.requests "$json")
  calls=$(awk -F, '/raw_syscalls/ {print $1}' "$perfout"); calls=${calls:-0}
  awk -v t="$1" -v c="$cpu" -v n="$n" -v d="$DUR" -v s="$calls" \
    -v p50="$(jq '.summary.percentiles_ms["50"]' "$json")" -v p99="$(jq '.summary.percentiles_ms["99"]' "$json")" \
    'BEGIN {printf "%s %.2f %.0f %.3f %.3f %.2f\n", t, c * 1e6 / n, n / d, p50, p99, s / n}' | tee -a "$out"
  rm -f "$json" "$json.time" "$perfout"
}
echo "path us_cpu_per_request req_per_s p50_ms p99_ms syscalls_per_request"
for r in $(seq 1 "$ROUNDS"); do
  if [ $((r % 2)) = 1 ]; then run uring; run sockets; else run sockets; run uring; fi
done
if [ "$TARGET" = nginx ]; then stop_nginx; else stop_server; fi
for t in uring sockets; do
  echo "$t (rate $RATE/s, $USERS users, $TARGET): median $(awk -v t=$t '$1 == t {print $2}' "$out" | median) us CPU/request," \
    "$(awk -v t=$t '$1 == t {print $3}' "$out" | median) req/s, p50 $(awk -v t=$t '$1 == t {print $4}' "$out" | median) ms," \
    "p99 $(awk -v t=$t '$1 == t {print $5}' "$out" | median) ms, $(awk -v t=$t '$1 == t {print $6}' "$out" | median) system calls/request"
done
rm -f "$out"
