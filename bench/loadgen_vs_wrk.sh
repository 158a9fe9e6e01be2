#!/usr/bin/env bash
# loadgen's max mode against wrk, same server (nginx-light, or a model: TARGET=model:epoll),
# same connections, same duration, alternating, REPEAT times; prints per-run numbers (with the
# server's CPU use), the medians of requests/s and client CPU microseconds per request, their
# ratios, how many rounds loadgen was ahead and the median of the per-round ratios. With keep-alive,
# h2load (`h2load --h1`, nghttp2-client, same connections and duration) runs in each round too;
# it cannot measure a new connection per request (with "Connection: close" its clients stop after
# one response instead of reconnecting), so the close rounds leave it out.
#   bash bench/loadgen_vs_wrk.sh            (defaults: 50 connections, 10 s, 3 repeats)
#   MODES=close REPEAT=5 bash bench/loadgen_vs_wrk.sh   (one connection mode only)
#   TLS=1 bash bench/loadgen_vs_wrk.sh      (HTTPS to nginx; neither client verifies the certificate,
#                                           as wrk cannot; both resume sessions on reconnect)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
need wrk; need h2load; need taskset; [ -x /usr/bin/time ] || { echo "bench: /usr/bin/time missing (apt-get install time)" >&2; exit 2; }
CONNS=${CONNS:-50}; DURATION=${DURATION:-10}; REPEAT=${REPEAT:-3}; TARGET=${TARGET:-nginx}
MODES=${MODES:-keepalive close}; TLS=${TLS:-0}
[ "$TLS" = 1 ] && [ "$TARGET" != nginx ] && { echo "bench: TLS=1 needs TARGET=nginx (the models speak plain HTTP)" >&2; exit 2; }
HZ=$(getconf CLK_TCK)
# busy_pct TICKS: the server's CPU use over one client's run, in percent of one CPU; near 100
# means the server, not the client, sets the rate
busy_pct() { awk -v t="$1" -v d="$DURATION" -v hz="$HZ" 'BEGIN {printf "%.0f", t / hz / d * 100}'; }

for mode in $MODES; do
  case $mode in keepalive|close) ;; *) echo "bench: MODES holds keepalive and/or close, not '$mode'" >&2; exit 2;; esac
  proto=http11
  if [ "$TARGET" = nginx ]; then
    port=$(free_port); start_nginx "$port" 120 1
  else
    start_server "${TARGET#model:}" "$proto"; port=$SRV_PORT
  fi
  url="http://127.0.0.1:$port/"; pids=$(server_pids)
  wrk_extra=(); lg_extra=(--keepalive)
  if [ "$TLS" = 1 ]; then url="https://localhost:$port/"; lg_extra+=(--insecure); fi
  if [ "$mode" = close ]; then wrk_extra=(-H "Connection: close"); lg_extra=("${lg_extra[@]:1}"); fi
  : > /tmp/lvw.$mode
  for r in $(seq 1 "$REPEAT"); do
    c0=$(server_ticks $pids)
    timed /tmp/lvw.out wrk -t1 -c"$CONNS" -d"${DURATION}s" "${wrk_extra[@]}" "$url"
    out=$(cat /tmp/lvw.out)
    wrk_req=$(echo "$out" | awk '/requests in/ {print $1}')
    wrk_rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    wrk_us=$(awk -v c="$TIMED_CPU" -v n="$wrk_req" 'BEGIN {printf "%.2f", c * 1e6 / n}')
    c1=$(server_ticks $pids)
    json=$(mktemp)
    timed /dev/null "$LOADGEN" -H "$url" -u "$CONNS" --max "${lg_extra[@]}" -t "${DURATION}s" -q --json "$json"
    lg_req=$(jq .summary.requests "$json"); lg_rps=$(jq .summary.rps "$json"); lg_fail=$(jq .summary.failures "$json")
    lg_us=$(awk -v c="$TIMED_CPU" -v n="$lg_req" 'BEGIN {printf "%.2f", c * 1e6 / n}')
    c2=$(server_ticks $pids)
    w_busy=$(busy_pct $((c1 - c0))); l_busy=$(busy_pct $((c2 - c1)))
    rm -f "$json"
    h2_rps=0 h2_us=0 h2_note=""
    if [ "$mode" = keepalive ]; then
      timed /tmp/lvw.out h2load --h1 -c"$CONNS" -D"$DURATION" "$url"
      h2_req=$(awk '/^requests:/ {print $8}' /tmp/lvw.out)
      h2_rps=$(awk '/^finished in/ {print $4}' /tmp/lvw.out)
      h2_us=$(awk -v c="$TIMED_CPU" -v n="$h2_req" 'BEGIN {printf "%.2f", c * 1e6 / n}')
      c3=$(server_ticks $pids)
      h2_note=" | h2load $h2_rps req/s, $h2_us us CPU/req, server busy $(busy_pct $((c3 - c2)))%"
    fi
    echo "$mode run $r: wrk $wrk_rps req/s, $wrk_us us CPU/req, server busy $w_busy% | loadgen $lg_rps req/s ($lg_fail failures), $lg_us us CPU/req, server busy $l_busy%$h2_note"
    echo "$wrk_rps $wrk_us $lg_rps $lg_us $h2_rps $h2_us" >> /tmp/lvw.$mode
  done
  if [ "$TARGET" = nginx ]; then stop_nginx; else stop_server; fi
  w_rps=$(awk '{print $1}' /tmp/lvw.$mode | median); w_us=$(awk '{print $2}' /tmp/lvw.$mode | median)
  l_rps=$(awk '{print $3}' /tmp/lvw.$mode | median); l_us=$(awk '{print $4}' /tmp/lvw.$mode | median)
  awk -v m="$mode" -v a="$w_rps" -v b="$l_rps" -v c="$w_us" -v d="$l_us" 'BEGIN {
    printf "%s median: wrk %.0f req/s %.2f us/req | loadgen %.0f req/s %.2f us/req | rps ratio loadgen/wrk %.3f, cpu ratio loadgen/wrk %.3f\n", m, a, c, b, d, b / a, d / c }'
  if [ "$mode" = keepalive ]; then
    h_rps=$(awk '{print $5}' /tmp/lvw.$mode | median); h_us=$(awk '{print $6}' /tmp/lvw.$mode | median)
    awk -v m="$mode" -v a="$h_rps" -v b="$l_rps" -v c="$h_us" -v d="$l_us" 'BEGIN {
      printf "%s median: h2load %.0f req/s %.2f us/req | rps ratio loadgen/h2load %.3f, cpu ratio loadgen/h2load %.3f\n", m, a, c, b / a, d / c }'
  fi
  # the rounds paired (each wrk run is followed by a loadgen run): how often loadgen was ahead
  awk -v m="$mode" '{ n++; if ($3 >= $1) r++; if ($4 <= $2) c++ }
    END { printf "%s rounds: loadgen req/s >= wrk in %d of %d, CPU/req <= wrk in %d of %d\n", m, r, n, c, n }' /tmp/lvw.$mode
  # the ratios of each round's pair (the two runs follow each other, so drift hits both alike)
  p_rps=$(awk '{print $3 / $1}' /tmp/lvw.$mode | median); p_us=$(awk '{print $4 / $2}' /tmp/lvw.$mode | median)
  printf "%s paired: median of per-round ratios loadgen/wrk: req/s %.3f, CPU/req %.3f\n" "$mode" "$p_rps" "$p_us"
  rm -f /tmp/lvw.$mode
done
