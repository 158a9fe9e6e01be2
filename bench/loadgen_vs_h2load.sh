#!/usr/bin/env bash
# loadgen's HTTP/2 against h2load (nghttp2-client), same server (nginx-light, one worker, http2),
# same connections x streams, same duration, alternating (ABBA: h2load, loadgen, loadgen, h2load
# per round), REPEAT rounds per shape, over TLS (h2 by ALPN) and h2c. Prints per-run numbers (with
# the server's CPU use), the medians of requests/s and client CPU microseconds per request, and
# the median of the per-pair ratios loadgen/h2load.
#   bash bench/loadgen_vs_h2load.sh                     (shapes 1x100 10x10 100x1, 5 s, 3 rounds)
#   SHAPES="10x10" PROTOS=h2c REPEAT=5 bash bench/loadgen_vs_h2load.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
need h2load; need taskset; [ -x /usr/bin/time ] || { echo "bench: /usr/bin/time missing (apt-get install time)" >&2; exit 2; }
SHAPES=${SHAPES:-1x100 10x10 100x1}; DURATION=${DURATION:-5}; REPEAT=${REPEAT:-3}; PROTOS=${PROTOS:-h2 h2c}
HZ=$(getconf CLK_TCK)
busy_pct() { awk -v t="$1" -v d="$DURATION" -v hz="$HZ" 'BEGIN {printf "%.0f", t / hz / d * 100}'; }

h2load_run() {  # URL CONNS STREAMS -> RUN_RPS RUN_US
  timed /tmp/lvh.out h2load -c"$2" -m"$3" -D"$DURATION" "$1"
  local req; req=$(awk '/^requests:/ {print $8}' /tmp/lvh.out)
  RUN_RPS=$(awk '/^finished in/ {print $4}' /tmp/lvh.out)
  RUN_US=$(awk -v c="$TIMED_CPU" -v n="$req" 'BEGIN {printf "%.2f", c * 1e6 / n}')
}
loadgen_run() {  # URL CONNS STREAMS FLAGS... -> RUN_RPS RUN_US
  local url=$1 c=$2 m=$3; shift 3
  local json; json=$(mktemp)
  timed /dev/null "$LOADGEN" -H "$url" -u $((c * m)) --streams "$m" --max "$@" -t "${DURATION}s" -q --json "$json"
  local req fails; req=$(jq .summary.requests "$json"); fails=$(jq .summary.failures "$json")
  [ "$fails" = 0 ] || echo "  (loadgen: $fails failures: $(jq -c '.errors[0]' "$json"))"
  RUN_RPS=$(jq .summary.rps "$json")
  RUN_US=$(awk -v c="$TIMED_CPU" -v n="$req" 'BEGIN {printf "%.2f", c * 1e6 / n}')
  rm -f "$json"
}

for proto in $PROTOS; do
  case $proto in h2) TLS=1 ;; h2c) TLS=0 ;; *) echo "bench: PROTOS holds h2 and/or h2c, not '$proto'" >&2; exit 2 ;; esac
  port=$(free_port); NGINX_HTTP2=1 start_nginx "$port" 120 1
  if [ "$proto" = h2 ]; then url="https://localhost:$port/"; flags=(--http2 --insecure)
  else url="http://127.0.0.1:$port/"; flags=(--h2c); fi
  pids=$(server_pids)
  for shape in $SHAPES; do
    c=${shape%x*} m=${shape#*x}
    : > /tmp/lvh.$proto.$shape
    for r in $(seq 1 "$REPEAT"); do
      for order in h l l h; do
        t0=$(server_ticks $pids)
        if [ "$order" = h ]; then h2load_run "$url" "$c" "$m"; who=h2load; else loadgen_run "$url" "$c" "$m" "${flags[@]}"; who=loadgen; fi
        t1=$(server_ticks $pids)
        echo "$proto $shape round $r: $who $RUN_RPS req/s, $RUN_US us CPU/req, server busy $(busy_pct $((t1 - t0)))%"
        echo "$who $RUN_RPS $RUN_US" >> /tmp/lvh.$proto.$shape
      done
    done
    f=/tmp/lvh.$proto.$shape
    h_rps=$(awk '$1 == "h2load" {print $2}' $f | median); h_us=$(awk '$1 == "h2load" {print $3}' $f | median)
    l_rps=$(awk '$1 == "loadgen" {print $2}' $f | median); l_us=$(awk '$1 == "loadgen" {print $3}' $f | median)
    # pairs in run order (h l | l h): each loadgen run with the h2load run beside it
    p=$(awk '{ who[NR] = $1; rps[NR] = $2; us[NR] = $3 }
      END { for (i = 1; i < NR; i += 2) { a = (who[i] == "h2load") ? i : i + 1; b = (a == i) ? i + 1 : i;
                                           print rps[b] / rps[a], us[b] / us[a] } }' $f)
    p_rps=$(echo "$p" | awk '{print $1}' | median); p_us=$(echo "$p" | awk '{print $2}' | median)
    printf "%s %s median: h2load %.0f req/s %.2f us/req | loadgen %.0f req/s %.2f us/req | per-pair ratios loadgen/h2load: req/s %.3f, CPU/req %.3f\n" \
      "$proto" "$shape" "$h_rps" "$h_us" "$l_rps" "$l_us" "$p_rps" "$p_us"
    rm -f $f
  done
  stop_nginx
done
