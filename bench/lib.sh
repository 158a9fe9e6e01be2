# Shared helpers for the benchmark scripts (sourced).
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/scripts/lib/server.sh"
BUILD=${BUILD:-$ROOT/build}
SERVER="$BUILD/server/server"
LOADGEN="$BUILD/loadgen/loadgen"
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}

need() { command -v "$1" >/dev/null || { echo "bench: $1 is missing (bash scripts/install-deps.sh --compare-tools)" >&2; exit 2; }; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_nginx PORT BODY_LEN WORKERS -> sets NGINX_PREFIX, NGINX_PID; with TLS=1 it speaks HTTPS
# (certificate for localhost and 127.0.0.1 signed by $NGINX_PREFIX/ca.pem); with NGINX_HTTP2=1
# HTTP/2 (h2 by ALPN with TLS=1, else h2c by prior knowledge)
start_nginx() {
  need nginx
  NGINX_PREFIX=$(mktemp -d /tmp/loadlab-nginx.XXXXXX)
  local body ssl="" tls_conf="" scheme=http http2="" probe=(); body=$(head -c "$2" /dev/zero | tr '\0' 'x')
  if [ "${TLS:-0}" = 1 ]; then
    need openssl
    source "$ROOT/scripts/lib/test-cert.sh"
    make_test_cert "$NGINX_PREFIX" || exit 1
    ssl=ssl scheme=https
    tls_conf="ssl_certificate $NGINX_PREFIX/server.pem; ssl_certificate_key $NGINX_PREFIX/server.key;"
  fi
  if [ "${NGINX_HTTP2:-0}" = 1 ]; then
    http2=http2
    [ "${TLS:-0}" = 1 ] || probe=(--http2-prior-knowledge)
  fi
  sed -e "s|@PREFIX@|$NGINX_PREFIX|g" -e "s|@PORT@|$1|g" -e "s|@BODY@|$body|g" -e "s|@WORKERS@|$3|g" \
    -e "s|@SSL@|$ssl|g" -e "s|@TLS_CONF@|$tls_conf|g" -e "s|@HTTP2@|$http2|g" \
    "$ROOT/bench/nginx.conf.in" > "$NGINX_PREFIX/nginx.conf"
  taskset -c "$SERVER_CPU" nginx -p "$NGINX_PREFIX" -c "$NGINX_PREFIX/nginx.conf" -g 'daemon off;' 2>"$NGINX_PREFIX/stderr" &
  NGINX_PID=$!
  for _ in $(seq 1 100); do
    curl -sk "${probe[@]}" -o /dev/null "$scheme://127.0.0.1:$1/" && return 0
    sleep 0.05
  done
  echo "bench: nginx did not start: $(cat "$NGINX_PREFIX/stderr" "$NGINX_PREFIX/error.log" 2>/dev/null)" >&2
  exit 1
}
stop_nginx() { kill -QUIT "$NGINX_PID" 2>/dev/null; wait "$NGINX_PID" 2>/dev/null; rm -rf "$NGINX_PREFIX"; NGINX_PID=; }

# start_server MODEL PROTOCOL [args] -> sets SRV_PID, SRV_PORT
start_server() {
  local model=$1 proto=$2; shift 2
  SRV_OUT=$(mktemp /tmp/loadlab-srv.XXXXXX)
  taskset -c "$SERVER_CPU" "$SERVER" --model "$model" --port 0 --protocol "$proto" "$@" >"$SRV_OUT" 2>"$SRV_OUT.err" &
  SRV_PID=$!
  SRV_PORT=$(wait_ready "$SRV_OUT" "$SRV_PID" 10) && return 0
  echo "bench: server $model did not start: $(cat "$SRV_OUT.err")" >&2
  exit 1
}
stop_server() { kill -TERM "$SRV_PID" 2>/dev/null; wait "$SRV_PID" 2>/dev/null; rm -f "$SRV_OUT" "$SRV_OUT.err"; SRV_PID=; }

# timed OUT CMD...: runs CMD pinned to the client CPU with its stdout in file OUT; sets
# TIMED_CPU (user+system seconds) and TIMED_RSS_KB (peak RSS) in the calling shell.
timed() {
  local out=$1; shift
  local tf; tf=$(mktemp)
  /usr/bin/time -f "%U %S %M" -o "$tf" taskset -c "$CLIENT_CPU" "$@" > "$out"
  TIMED_CPU=$(awk '{print $1 + $2}' "$tf"); TIMED_RSS_KB=$(awk '{print $3}' "$tf")
  rm -f "$tf"
}

cleanup_all() {
  [ -n "${NGINX_PID:-}" ] && stop_nginx
  [ -n "${SRV_PID:-}" ] && stop_server
  true
}
trap cleanup_all EXIT

# server_pids: the processes of the server started last (nginx's master and workers, or ours)
server_pids() {
  if [ -n "${NGINX_PID:-}" ]; then echo "$NGINX_PID $(pgrep -P "$NGINX_PID" | tr '\n' ' ')"; else echo "$SRV_PID"; fi
}
# server_ticks PID...: utime + stime of the given pids (all their threads), in clock ticks
server_ticks() {
  local sum=0 p
  for p in "$@"; do sum=$((sum + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
  echo "$sum"
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
