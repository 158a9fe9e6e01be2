#!/usr/bin/env bash
# make h2-vs-h1: HTTP/1.1 against HTTP/2 at equal outstanding requests, on nginx (one worker) and
# h2o (one thread), each pinned to SERVER_CPU, loadgen to CLIENT_CPU. Outstanding requests C are
# carried as C keep-alive HTTP/1.1 connections, or as C/m HTTP/2 connections (h2c) of m streams.
#   closed loop (--max) for throughput, C in $CS, m in $MS;
#   open loop (--rate) at 50% and 90% of HTTP/1.1's closed-loop throughput at C=$OPEN_C;
#   head of line: 1% of requests get a 256 KiB reply, the rest 6 bytes (C=$OPEN_C, closed loop):
#     the small requests' p99 on h1 (own connections) and h2 (one TCP stream shared);
#   windows: 256 KiB replies with 64 KiB and 1 GiB windows (C=64, m=32).
# Each row: requests/s, p50/p99, the server's and the client's CPU per request, connections, the
# queued phase. Writes results/h2-vs-h1/<UTC time>/ (one JSON per run, summary.md).
#   make h2-vs-h1 [SERVERS="nginx h2o"] [DURATION=5]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/bench/lib.sh"
need nginx; need h2o; need jq; need taskset
SERVERS=${SERVERS:-nginx h2o}; DURATION=${DURATION:-5}; DURATION=${DURATION%s}; CS=${CS:-64 256 1024}; MS=${MS:-8 32 128}; OPEN_C=${OPEN_C:-256}
OUT="$ROOT/results/h2-vs-h1/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
HZ=$(getconf CLK_TCK)
DOC="$OUT/www"
mkdir -p "$DOC"
printf 'hello\n' > "$DOC/index.html"
head -c 262144 /dev/zero | tr '\0' 'x' > "$DOC/big"
cat > "$OUT/hol.json" <<EOF
{"requests": [{"name": "small", "path": "/index.html", "weight": 99},
              {"name": "big", "path": "/big", "weight": 1}]}
EOF

SRV_PIDS=""
start_web() {  # SERVER -> H1_URL H2_URL (base, no path)
  local port; port=$(free_port)
  case $1 in
    nginx)
      local p2; p2=$(free_port)
      mkdir -p "$OUT/nginx"
      cat > "$OUT/nginx/nginx.conf" <<EOF
worker_processes 1;
error_log $OUT/nginx/error.log warn;
pid $OUT/nginx/nginx.pid;
events { worker_connections 16384; }
http {
  access_log off;
  keepalive_requests 1000000000;
  keepalive_timeout 60s;
  client_body_temp_path $OUT/nginx; proxy_temp_path $OUT/nginx; fastcgi_temp_path $OUT/nginx;
  uwsgi_temp_path $OUT/nginx; scgi_temp_path $OUT/nginx;
  server {
    listen 127.0.0.1:$port backlog=4096;
    listen 127.0.0.1:$p2 http2 backlog=4096;
    http2_max_concurrent_streams 256;
    root $DOC;
  }
}
EOF
      taskset -c "$SERVER_CPU" nginx -p "$OUT/nginx" -c "$OUT/nginx/nginx.conf" -g 'daemon off;' 2> "$OUT/nginx/stderr" &
      WEB_PID=$!
      H1_URL="http://127.0.0.1:$port" H2_URL="http://127.0.0.1:$p2" ;;
    h2o)
      mkdir -p "$OUT/h2o"
      cat > "$OUT/h2o/h2o.conf" <<EOF
user: root
num-threads: 1
pid-file: $OUT/h2o/h2o.pid
error-log: $OUT/h2o/error.log
http2-max-concurrent-requests-per-connection: 256
listen:
  host: 127.0.0.1
  port: $port
hosts:
  default:
    paths:
      /:
        file.dir: $DOC
EOF
      taskset -c "$SERVER_CPU" h2o -c "$OUT/h2o/h2o.conf" > "$OUT/h2o/stderr" 2>&1 &
      WEB_PID=$!
      H1_URL="http://127.0.0.1:$port" H2_URL="http://127.0.0.1:$port" ;;
  esac
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "$H1_URL/index.html" && curl -s --http2-prior-knowledge -o /dev/null "$H2_URL/index.html" && break
    sleep 0.05
  done
  SRV_PIDS="$WEB_PID $(pgrep -P "$WEB_PID" | tr '\n' ' ')"
}
# nginx ends gracefully on QUIT, h2o on TERM
stop_web() { kill -QUIT "$WEB_PID" 2>/dev/null || true; kill -TERM "$WEB_PID" 2>/dev/null || true; wait "$WEB_PID" 2>/dev/null || true; }
trap 'stop_web 2>/dev/null || true' EXIT

echo "| server | run | C | m | connections | req/s | p50 ms | p99 ms | queued p99 ms | server us/req | client us/req |" > "$OUT/summary.md"
echo "|---|---|---|---|---|---|---|---|---|---|---|" >> "$OUT/summary.md"

# run NAME SERVER C M URL [loadgen flags...]: one run, one row (m=0: HTTP/1.1)
run() {
  local name=$1 server=$2 c=$3 m=$4 url=$5; shift 5
  local json="$OUT/$server-$name-c$c-m$m.json" proto=()
  [ "$m" -gt 0 ] && proto=(--h2c --streams "$m") || proto=(--keepalive)
  local t0; t0=$(server_ticks $SRV_PIDS)
  taskset -c "$CLIENT_CPU" "$LOADGEN" -H "$url" -u "$c" "${proto[@]}" -t "${DURATION}s" -q --label "$server" --json "$json" "$@" || true
  local t1; t1=$(server_ticks $SRV_PIDS)
  local row
  row=$(jq -r --arg s "$server" --arg n "$name" --argjson c "$c" --argjson m "$m" --argjson ticks $((t1 - t0)) --argjson hz "$HZ" '
    def f(x; d): if x == null then "-" else (x * pow(10; d) | round / pow(10; d) | tostring) end;
    (.endpoints // [] | map(select(.name == "small")) | .[0]) as $small |
    [$s, $n, $c, (if $m == 0 then "h1" else $m end),
     (if $m == 0 then $c else .environment.http2.connections_opened end),
     f(.summary.rps; 0),
     f(($small.percentiles_ms["50"]) // .summary.percentiles_ms["50"]; 3),
     f(($small.percentiles_ms["99"]) // .summary.percentiles_ms["99"]; 3),
     f(.timings.queued.percentiles_ms["99"]; 3),
     f($ticks / $hz * 1e6 / .summary.requests; 2),
     f(.client.cpu_s * 1e6 / .summary.requests; 2)] | "| " + join(" | ") + " |"' "$json")
  echo "$row" | tee -a "$OUT/summary.md"
}

for server in $SERVERS; do
  start_web "$server"
  declare -A knee=()
  for c in $CS; do
    run closed "$server" "$c" 0 "$H1_URL/index.html" --max
    knee[$c]=$(jq .summary.rps "$OUT/$server-closed-c$c-m0.json")
    for m in $MS; do [ "$m" -le "$c" ] && run closed "$server" "$c" "$m" "$H2_URL/index.html" --max; done
  done
  for pct in 50 90; do
    rate=$(awk -v k="${knee[$OPEN_C]}" -v p="$pct" 'BEGIN {printf "%d", k * p / 100}')
    run "open$pct" "$server" "$OPEN_C" 0 "$H1_URL/index.html" --rate "$rate"
    for m in $MS; do run "open$pct" "$server" "$OPEN_C" "$m" "$H2_URL/index.html" --rate "$rate"; done
  done
  run hol "$server" "$OPEN_C" 0 "$H1_URL/" --max --scenario "$OUT/hol.json"
  run hol "$server" "$OPEN_C" 32 "$H2_URL/" --max --scenario "$OUT/hol.json"
  for bits in 16 30; do run "window$bits" "$server" 64 32 "$H2_URL/big" --max --h2-window "$bits"; done
  stop_web
done
echo "h2-vs-h1: $OUT/summary.md"
