#!/usr/bin/env bash
# What the live view costs the run it watches: loadgen --rate RATE against nginx, REPEAT rounds,
# each alternating three runs: no live view ("off"), --live with nobody watching ("live"), and
# --live with headless Chromium showing the page for the whole run ("browser"; Chromium pinned to
# the server's CPU, so it takes nothing from the client's). Per run: the requests, the fidelity,
# the whole loadgen process's CPU per request (user + system of every thread: the load thread, the
# engine and the live listener), the client's lag p99. Then the medians, and each variant's CPU per
# request as a ratio to "off" (the goal: within 3%).
#   bash bench/live_overhead.sh        (RATE=5000 DURATION=10 REPEAT=3 CONNS=50)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
need taskset; need jq; need chromium; need python3
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time missing (apt-get install time)" >&2; exit 2; }
RATE=${RATE:-5000}; DURATION=${DURATION:-10}; REPEAT=${REPEAT:-3}; CONNS=${CONNS:-50}
VARIANTS=${VARIANTS:-off live browser}
port=$(free_port); start_nginx "$port" 120 1
work=$(mktemp -d /tmp/loadlab-live-bench.XXXXXX)
printf '%-8s %-6s %10s %9s %12s %10s\n' variant round requests fidelity "cpu_us/req" "lag_p99_ms"
for r in $(seq 1 "$REPEAT"); do
  for variant in $VARIANTS; do
    live=(); [ "$variant" = off ] || live=(--live 0)
    json="$work/$variant.$r.json"
    (timed "$work/out" "$LOADGEN" -H "http://127.0.0.1:$port/" --rate "$RATE" -u "$CONNS" --keepalive \
      -t "${DURATION}s" -q --json "$json" "${live[@]}" 2> "$work/err"
     echo "$TIMED_CPU" > "$work/cpu") &
    lg=$!
    if [ "$variant" = browser ]; then
      for _ in $(seq 1 100); do grep -q 'live view at' "$work/err" 2>/dev/null && break; sleep 0.02; done
      url=$(sed -nE 's/^loadgen: live view at (http[^ ]*).*/\1/p' "$work/err")
      [ -n "$url" ] || { echo "bench: no live URL: $(cat "$work/err")" >&2; exit 1; }
      taskset -c "$SERVER_CPU" python3 "$ROOT/scripts/lib/browser_snapshot.py" "$url" --wait "$((DURATION - 1))" \
        --dom "$work/dom.html" > /dev/null 2>&1 &
      browser=$!
    fi
    wait "$lg"
    [ "$variant" = browser ] && { wait "$browser" || echo "bench: the browser failed" >&2; }
    req=$(jq .summary.requests "$json")
    cpu_us=$(awk -v c="$(cat "$work/cpu")" -v n="$req" 'BEGIN {printf "%.3f", c * 1e6 / n}')
    printf '%-8s %-6s %10s %9s %12s %10s\n' "$variant" "$r" "$req" \
      "$(jq -r '.summary.schedule_fidelity * 1000 | round / 10 | tostring + "%"' "$json")" "$cpu_us" \
      "$(jq -r '.client.lag_p99_ms' "$json")"
    echo "$variant $cpu_us $(jq .summary.schedule_fidelity "$json") $(jq .client.lag_p99_ms "$json")" >> "$work/rows"
  done
done
stop_nginx
echo
printf '%-8s %16s %16s %16s %16s\n' variant "median cpu_us/req" "ratio to off" "median fidelity" "median lag p99"
base=$(awk '$1 == "off" {print $2}' "$work/rows" | median)
for variant in $VARIANTS; do
  m=$(awk -v v="$variant" '$1 == v {print $2}' "$work/rows" | median)
  printf '%-8s %16s %16s %16s %16s\n' "$variant" "$m" "$(awk -v a="$m" -v b="$base" 'BEGIN {printf "%.3f", a / b}')" \
    "$(awk -v v="$variant" '$1 == v {print $3}' "$work/rows" | median)" \
    "$(awk -v v="$variant" '$1 == v {print $4}' "$work/rows" | median)"
done
rm -rf "$work"
