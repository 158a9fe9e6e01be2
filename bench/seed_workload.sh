#!/usr/bin/env bash
# The original workload (10,000 users, 1,000/s, waits 1-5 s, 60 s) from loadgen against a fast
# server (nginx-light by default, or TARGET=model:epoll), pinned apart. Prints what the issue
# asks for: achieved vs ideal requests, peak RSS, p50/p99, client CPU per request.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
need taskset; need jq
USERS=${USERS:-10000}; RATE=${RATE:-1000}; RUN=${RUN:-60s}; TARGET=${TARGET:-nginx}
if [ "$TARGET" = nginx ]; then
  port=$(free_port); start_nginx "$port" 120 1
else
  start_server "${TARGET#model:}" seed; port=$SRV_PORT
fi
json=$(mktemp --suffix .json)
timed /dev/null "$LOADGEN" -H "http://127.0.0.1:$port/" -u "$USERS" -r "$RATE" -t "$RUN" --wait-min 1 --wait-max 5 -q --json "$json"
if [ "$TARGET" = nginx ]; then stop_nginx; else stop_server; fi
jq -r --arg cpu "$TIMED_CPU" --arg rss "$TIMED_RSS_KB" '
  .summary as $s |
  "target \(.label // "-"): requests \($s.requests) of ideal \($s.ideal_requests|floor) (fidelity \(($s.schedule_fidelity*10000|floor)/100)%), " +
  "failures \($s.failures), rps \($s.rps*10|floor/10), p50 \($s.percentiles_ms["50"]) ms, p99 \($s.percentiles_ms["99"]) ms, " +
  "max lag \($s.lag_max_ms) ms, loadgen peak RSS \(($rss|tonumber)/1024|floor) MiB, CPU \($cpu) s = " +
  "\((($cpu|tonumber)*1e6/$s.requests*100|floor)/100) us/request"' "$json"
[ -n "${KEEP_JSON:-}" ] && cp "$json" "$KEEP_JSON"
rm -f "$json"
