#!/usr/bin/env bash
# The floor for any keep-alive HTTP/1.1 client on this machine: bench/uring_floor.cpp (a client
# that does only the I/O, through io_uring) beside wrk and loadgen, same nginx (one worker on
# SERVER_CPU), same CONNS connections, each client pinned to CLIENT_CPU, ROUNDS rounds of DUR
# seconds in rotating order; prints each run and the medians of client CPU microseconds per
# request (user and system) and req/s, and each client's CPU per request as a ratio of wrk's.
#   bash bench/uring_floor.sh                      (needs a build with LAB_BENCH=ON: build/bench/uring_floor)
#   ROUNDS=5 DUR=5 CONNS=50 bash bench/uring_floor.sh
#   BATCH=1 bash bench/uring_floor.sh              (the floor client reaps each response as it comes)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
need wrk; need taskset; need jq; need python3
FLOOR=${FLOOR:-$BUILD/bench/uring_floor}
[ -x "$FLOOR" ] || { echo "bench: $FLOOR is missing (cmake -DLAB_BENCH=ON, then build the uring_floor target)" >&2; exit 2; }
ROUNDS=${ROUNDS:-4}; DUR=${DUR:-5}; CONNS=${CONNS:-50}; BATCH=${BATCH:-$((CONNS / 4 + 1))}
port=$(free_port); start_nginx "$port" 120 1
url="http://127.0.0.1:$port/"
# the byte length of nginx's reply to the floor client's request (the same on every request)
reply=$(python3 - "$port" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
data = b""
while b"\r\n\r\n" not in data:
    data += s.recv(65536)
head, _, body = data.partition(b"\r\n\r\n")
length = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0])
while len(body) < length:
    body += s.recv(65536)
print(len(head) + 4 + length)
PY
)
out=$(mktemp)
run() {
  local who=$1 n tf; tf=$(mktemp)
  case $who in
    wrk)
      /usr/bin/time -f "%U %S" -o "$tf" taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d"${DUR}s" "$url" > /tmp/uf.out
      n=$(awk '/requests in/ {print $1}' /tmp/uf.out) ;;
    loadgen)
      /usr/bin/time -f "%U %S" -o "$tf" taskset -c "$CLIENT_CPU" "$LOADGEN" -H "$url" -u "$CONNS" --max --keepalive \
        -t "${DUR}s" -q --json /tmp/uf.json
      n=$(jq .summary.requests /tmp/uf.json) ;;
    floor)
      /usr/bin/time -f "%U %S" -o "$tf" taskset -c "$CLIENT_CPU" "$FLOOR" "$port" "$CONNS" "$DUR" "$reply" "$BATCH" > /tmp/uf.out
      n=$(awk '{print $2}' /tmp/uf.out) ;;
  esac
  read -r u s < "$tf"; rm -f "$tf"
  awk -v w="$who" -v u="$u" -v s="$s" -v n="$n" -v d="$DUR" \
    'BEGIN {printf "%s %.3f %.3f %.3f %.0f\n", w, (u + s) * 1e6 / n, u * 1e6 / n, s * 1e6 / n, n / d}' | tee -a "$out"
}
order=(wrk loadgen floor)
for r in $(seq 1 "$ROUNDS"); do
  for i in 0 1 2; do run "${order[$(((i + r) % 3))]}"; done
done
stop_nginx
for w in wrk loadgen floor; do
  printf "%s: median %s us CPU/request (user %s, system %s), %s req/s\n" "$w" \
    "$(awk -v w=$w '$1 == w {print $2}' "$out" | median)" "$(awk -v w=$w '$1 == w {print $3}' "$out" | median)" \
    "$(awk -v w=$w '$1 == w {print $4}' "$out" | median)" "$(awk -v w=$w '$1 == w {print $5}' "$out" | median)"
done
wrk_us=$(awk '$1 == "wrk" {print $2}' "$out" | median)
for w in loadgen floor; do
  printf "%s/wrk CPU per request: %.3f\n" "$w" "$(awk -v w=$w '$1 == w {print $2}' "$out" | median | awk -v b="$wrk_us" '{print $1 / b}')"
done
rm -f "$out" /tmp/uf.out /tmp/uf.json
