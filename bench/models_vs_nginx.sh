#!/usr/bin/env bash
# The event-driven models against nginx-light, each given one CPU (server on CPU 0, client on
# CPU 1; nginx with one worker), driven by wrk -t1 -c50 and by loadgen --max -u 50 in the same
# run, with keep-alive (http11) and with a new connection per request. REPEAT rounds, medians.
#   MODELS="epoll epoll-et reuseport asio uring" REPEAT=3 DURATION=5 bash bench/models_vs_nginx.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
need wrk; need jq
MODELS=${MODELS:-"epoll epoll-et reuseport asio uring"}; REPEAT=${REPEAT:-3}; DURATION=${DURATION:-5}; CONNS=${CONNS:-50}
tmp=$(mktemp -d)

measure() {  # target mode -> appends "wrk_rps loadgen_rps" to $tmp/target.mode
  local target=$1 mode=$2 port
  if [ "$target" = nginx ]; then
    port=$(free_port); start_nginx "$port" 42 1   # 42 bytes: our echo of wrk's request
  else
    start_server "$target" http11 --workers 1; port=$SRV_PORT
  fi
  local url="http://127.0.0.1:$port/" wrk_extra=() lg_extra=(--keepalive)
  if [ "$mode" = close ]; then wrk_extra=(-H "Connection: close"); lg_extra=(); fi
  local w l json
  w=$(taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d"${DURATION}s" "${wrk_extra[@]}" "$url" | awk '/Requests\/sec/ {print $2}')
  json="$tmp/lg.json"
  taskset -c "$CLIENT_CPU" "$LOADGEN" -H "$url" -u "$CONNS" --max "${lg_extra[@]}" -t "${DURATION}s" -q --json "$json"
  l=$(jq .summary.rps "$json")
  if [ "$target" = nginx ]; then stop_nginx; else stop_server; fi
  echo "$w $l" >> "$tmp/$target.$mode"
}

for r in $(seq 1 "$REPEAT"); do
  for mode in keepalive close; do
    for target in nginx $MODELS; do measure "$target" "$mode"; done
  done
done
printf "%-10s %-9s %12s %12s %10s %10s\n" target mode "wrk req/s" "loadgen r/s" "vs nginx" "(loadgen)"
for mode in keepalive close; do
  nw=$(awk '{print $1}' "$tmp/nginx.$mode" | median); nl=$(awk '{print $2}' "$tmp/nginx.$mode" | median)
  for target in nginx $MODELS; do
    w=$(awk '{print $1}' "$tmp/$target.$mode" | median); l=$(awk '{print $2}' "$tmp/$target.$mode" | median)
    awk -v t="$target" -v m="$mode" -v w="$w" -v l="$l" -v nw="$nw" -v nl="$nl" \
      'BEGIN { printf "%-10s %-9s %12.0f %12.0f %9.2fx %9.2fx\n", t, m, w, l, w / nw, l / nl }'
  done
done
rm -rf "$tmp"
