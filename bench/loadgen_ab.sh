#!/usr/bin/env bash
# Two loadgen builds side by side: the same server (nginx-light, or TARGET=model:epoll), the
# same 50 connections, closed loop, alternated ABBA (the first run of a pair is favoured by a
# quieter TCP state and warm-up, so each build goes first in half the rounds), ROUNDS of DUR
# seconds; prints each run and the medians of client CPU microseconds per request and req/s.
#   git worktree add /tmp/old REV && cmake -S /tmp/old -B /tmp/old/build -DCMAKE_BUILD_TYPE=RelWithDebInfo \
#     && cmake --build /tmp/old/build --target loadgen
#   OLD=/tmp/old/build/loadgen/loadgen bash bench/loadgen_ab.sh       (MODE=close, TARGET=model:epoll)
#   TLS=1 MODE=close OLD=... bash bench/loadgen_ab.sh                  (HTTPS to nginx, --insecure)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
need taskset; need jq
OLD=${OLD:?OLD=path of the other loadgen build}; NEW=${NEW:-$LOADGEN}
ROUNDS=${ROUNDS:-4}; DUR=${DUR:-5}; MODE=${MODE:-keepalive}; TARGET=${TARGET:-nginx}; TLS=${TLS:-0}
[ "$TLS" = 1 ] && [ "$TARGET" != nginx ] && { echo "bench: TLS=1 needs TARGET=nginx (the models speak plain HTTP)" >&2; exit 2; }
case $MODE in keepalive|close) ;; *) echo "bench: MODE is keepalive or close, not '$MODE'" >&2; exit 2;; esac
if [ "$TARGET" = nginx ]; then
  port=$(free_port); start_nginx "$port" 120 1
else
  start_server "${TARGET#model:}" http11; port=$SRV_PORT
fi
ka=(); [ "$MODE" = keepalive ] && ka=(--keepalive)
url="http://127.0.0.1:$port/"; [ "$TLS" = 1 ] && { url="https://localhost:$port/"; ka+=(--insecure); }
out=$(mktemp)
run() {
  local json; json=$(mktemp)
  timed /dev/null "$1" -H "$url" -u 50 --max "${ka[@]}" -t "${DUR}s" -q --json "$json"
  awk -v t="$2" -v c="$TIMED_CPU" -v n="$(jq .summary.requests "$json")" -v d="$DUR" \
    'BEGIN {printf "%s %.3f %.0f\n", t, c * 1e6 / n, n / d}' | tee -a "$out"
  rm -f "$json"
}
for r in $(seq 1 "$ROUNDS"); do
  if [ $((r % 2)) = 1 ]; then run "$OLD" old; run "$NEW" new; else run "$NEW" new; run "$OLD" old; fi
done
if [ "$TARGET" = nginx ]; then stop_nginx; else stop_server; fi
for t in old new; do
  echo "$t ($MODE, $TARGET): median $(awk -v t=$t '$1 == t {print $2}' "$out" | median) us CPU/request," \
    "$(awk -v t=$t '$1 == t {print $3}' "$out" | median) req/s"
done
rm -f "$out"
