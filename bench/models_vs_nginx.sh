#!/usr/bin/env bash
# The event-driven models against nginx-light, each given one CPU (server on CPU 0, client on
# CPU 1; nginx with one worker), driven by wrk -t1 -c50 and by loadgen --max -u 50 in the same
# run, with keep-alive (http11) and with a new connection per request. REPEAT rounds, medians.
# A third client, h2load, pipelines DEPTH requests per connection (keep-alive only), so the
# client is no longer the cap. Besides requests/s (which is capped by whichever side saturates
# its CPU first, on this 2-core machine usually the client) it reports the server's own CPU
# time per request, read from /proc/PID/stat over both runs: the server's efficiency,
# independent of the client's limit.
#   MODELS="epoll epoll-et reuseport asio uring" REPEAT=3 DURATION=5 bash bench/models_vs_nginx.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
need wrk; need jq; need h2load
MODELS=${MODELS:-"epoll epoll-et reuseport asio uring"}; REPEAT=${REPEAT:-3}; DURATION=${DURATION:-5}; CONNS=${CONNS:-50}
DEPTH=${DEPTH:-16}
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
  local w l json wreq lreq pids c0 c1
  pids=$(server_pids)
  c0=$(server_ticks $pids)
  taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d"${DURATION}s" "${wrk_extra[@]}" "$url" > "$tmp/wrk.out"
  w=$(awk '/Requests\/sec/ {print $2}' "$tmp/wrk.out"); wreq=$(awk '/requests in/ {print $1}' "$tmp/wrk.out")
  json="$tmp/lg.json"
  taskset -c "$CLIENT_CPU" "$LOADGEN" -H "$url" -u "$CONNS" --max "${lg_extra[@]}" -t "${DURATION}s" -q --json "$json"
  l=$(jq .summary.rps "$json"); lreq=$(jq .summary.requests "$json")
  c1=$(server_ticks $pids)
  if [ "$target" = nginx ]; then stop_nginx; else stop_server; fi
  local us; us=$(awk -v t=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v n=$((wreq + lreq)) 'BEGIN {printf "%.3f", t / hz * 1e6 / n}')
  echo "$w $l $us" >> "$tmp/$target.$mode"
}

# Keep-alive with HTTP/1.1 pipelining (h2load --h1 -m DEPTH): a client that is not the cap,
# since one write carries DEPTH requests. A separate instance: nginx's body must match our echo
# of h2load's request (71 bytes + the port's digits). -> appends "req/s" to $tmp/target.pipelined
measure_pipelined() {
  local target=$1 port out
  if [ "$target" = nginx ]; then
    port=$(free_port); start_nginx "$port" $((71 + ${#port})) 1
  else
    start_server "$target" http11 --workers 1; port=$SRV_PORT
  fi
  out=$(taskset -c "$CLIENT_CPU" h2load --h1 -t1 -c"$CONNS" -m"$DEPTH" -D"$DURATION" "http://127.0.0.1:$port/" 2>&1)
  if [ "$target" = nginx ]; then stop_nginx; else stop_server; fi
  echo "$out" | grep -q " 0 failed, 0 errored" || { echo "bench: h2load against $target: $out" >&2; exit 1; }
  echo "$out" | awk '/^finished in/ {print $4}' >> "$tmp/$target.pipelined"
}

for r in $(seq 1 "$REPEAT"); do
  for mode in keepalive close; do
    for target in nginx $MODELS; do measure "$target" "$mode"; done
  done
  for target in nginx $MODELS; do measure_pipelined "$target"; done
done
printf "%-10s %-9s %11s %9s %11s %9s %12s %13s\n" target mode "wrk req/s" "vs nginx" "loadgen r/s" "vs nginx" \
  "server us/req" "nginx/model"
for mode in keepalive close; do
  nw=$(awk '{print $1}' "$tmp/nginx.$mode" | median); nl=$(awk '{print $2}' "$tmp/nginx.$mode" | median)
  nu=$(awk '{print $3}' "$tmp/nginx.$mode" | median)
  for target in nginx $MODELS; do
    w=$(awk '{print $1}' "$tmp/$target.$mode" | median); l=$(awk '{print $2}' "$tmp/$target.$mode" | median)
    u=$(awk '{print $3}' "$tmp/$target.$mode" | median)
    awk -v t="$target" -v m="$mode" -v w="$w" -v l="$l" -v nw="$nw" -v nl="$nl" -v u="$u" -v nu="$nu" \
      'BEGIN { printf "%-10s %-9s %11.0f %8.2fx %11.0f %8.2fx %12.2f %12.2fx\n", t, m, w, w / nw, l, l / nl, u, nu / u }'
  done
done
echo
printf "%-10s %-22s %9s\n" target "pipelined (h2load -m$DEPTH)" "vs nginx"
np=$(median < "$tmp/nginx.pipelined")
for target in nginx $MODELS; do
  p=$(median < "$tmp/$target.pipelined")
  awk -v t="$target" -v p="$p" -v np="$np" 'BEGIN { printf "%-10s %22.0f %8.2fx\n", t, p, p / np }'
done
rm -rf "$tmp"
