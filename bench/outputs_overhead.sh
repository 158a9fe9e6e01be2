#!/usr/bin/env bash
# What the outputs cost the run they watch: loadgen --rate RATE against nginx, REPEAT rounds, each
# alternating the VARIANTS: no output ("off"), --live with nobody watching ("live"), --live with
# headless Chromium showing the page for the whole run ("browser"; Chromium pinned to the server's
# CPU, so it takes nothing from the client's), --out prometheus= to a real Prometheus ("prometheus",
# pinned to the server's CPU too), --out influxdb= to a real InfluxDB ("influxdb", likewise), and to
# a receiver that refuses every connection ("dead"). Per run: the requests, the fidelity, the whole
# loadgen process's CPU per request (user + system of every thread: the load thread, the engine,
# the live listener, the pushers), the client's lag p99. Then the medians, and each variant's CPU
# per request as a ratio to "off" (the goal: within 3%).
#   bash bench/outputs_overhead.sh     (RATE=5000 DURATION=10 REPEAT=3 CONNS=50
#                                       VARIANTS="off live browser prometheus influxdb dead")
set -euo pipefail
source "$(dirname "$0")/lib.sh"
need taskset; need jq; need python3
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time missing (apt-get install time)" >&2; exit 2; }
RATE=${RATE:-5000}; DURATION=${DURATION:-10}; REPEAT=${REPEAT:-3}; CONNS=${CONNS:-50}
VARIANTS=${VARIANTS:-off live browser prometheus influxdb dead}
for v in $VARIANTS; do
  case $v in
    off | live | dead) ;;
    browser) need chromium ;;
    prometheus) need prometheus ;;
    influxdb) need influxd ;;
    *) echo "bench: VARIANTS: '$v' is not one of off live browser prometheus influxdb dead" >&2; exit 2 ;;
  esac
done
port=$(free_port); start_nginx "$port" 120 1
work=$(mktemp -d /tmp/loadlab-outputs-bench.XXXXXX)
receivers=()
trap 'for p in "${receivers[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$work"; cleanup_all' EXIT
# the receivers, on the server's CPU
if [[ " $VARIANTS " == *" prometheus "* ]]; then
  prom_port=$(free_port)
  printf 'global:\n  scrape_interval: 15s\n' > "$work/prometheus.yml"
  taskset -c "$SERVER_CPU" prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/prom" \
    --web.listen-address="127.0.0.1:$prom_port" --web.enable-remote-write-receiver > "$work/prom.log" 2>&1 &
  receivers+=($!)
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$prom_port/-/ready" > /dev/null && break; sleep 0.1; done
fi
if [[ " $VARIANTS " == *" influxdb "* ]]; then
  ifx_port=$(free_port); ifx_rpc=$(free_port)
  printf 'reporting-disabled = true\nbind-address = "127.0.0.1:%s"\n[meta]\n  dir = "%s/ifx/meta"\n[data]\n  dir = "%s/ifx/data"\n  wal-dir = "%s/ifx/wal"\n  query-log-enabled = false\n[http]\n  bind-address = "127.0.0.1:%s"\n  log-enabled = false\n[monitor]\n  store-enabled = false\n' \
    "$ifx_rpc" "$work" "$work" "$work" "$ifx_port" > "$work/influxdb.conf"
  taskset -c "$SERVER_CPU" influxd run -config "$work/influxdb.conf" > "$work/ifx.log" 2>&1 &
  receivers+=($!)
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$ifx_port/ping" > /dev/null && break; sleep 0.1; done
fi
dead_port=$(free_port)  # nothing listens there
printf '%-10s %-6s %10s %9s %12s %10s %16s\n' variant round requests fidelity "cpu_us/req" "lag_p99_ms" "pusher_us/req"
for r in $(seq 1 "$REPEAT"); do
  for variant in $VARIANTS; do
    live=()
    case $variant in
      live | browser) live=(--live 0) ;;
      prometheus) live=(--out "prometheus=http://127.0.0.1:$prom_port/api/v1/write,testid=bench-$r") ;;
      influxdb) live=(--out "influxdb=http://127.0.0.1:$ifx_port,db=bench,testid=bench-$r") ;;
      dead) live=(--out "prometheus=http://127.0.0.1:$dead_port/api/v1/write") ;;
    esac
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
    # a pusher's own thread's CPU (the result's outputs[].cpu_s): its cost without the run's noise
    pusher_us=$(jq -r --argjson n "$req" 'if (.outputs // []) | length > 0 then (.outputs[0].cpu_s * 1e6 / $n * 1000 | round / 1000) else "-" end' "$json")
    printf '%-10s %-6s %10s %9s %12s %10s %16s\n' "$variant" "$r" "$req" \
      "$(jq -r '.summary.schedule_fidelity * 1000 | round / 10 | tostring + "%"' "$json")" "$cpu_us" \
      "$(jq -r '.client.lag_p99_ms' "$json")" "$pusher_us"
    echo "$variant $cpu_us $(jq .summary.schedule_fidelity "$json") $(jq .client.lag_p99_ms "$json") $pusher_us" >> "$work/rows"
  done
done
stop_nginx
echo
printf '%-10s %16s %16s %16s %16s %20s\n' variant "median cpu_us/req" "ratio to off" "median fidelity" "median lag p99" \
  "median pusher_us/req"
base=$(awk '$1 == "off" {print $2}' "$work/rows" | median)
for variant in $VARIANTS; do
  m=$(awk -v v="$variant" '$1 == v {print $2}' "$work/rows" | median)
  p=$(awk -v v="$variant" '$1 == v && $5 != "-" {print $5}' "$work/rows")
  if [ -n "$p" ]; then p=$(median <<< "$p"); else p=-; fi
  printf '%-10s %16s %16s %16s %16s %20s\n' "$variant" "$m" "$(awk -v a="$m" -v b="$base" 'BEGIN {printf "%.3f", a / b}')" \
    "$(awk -v v="$variant" '$1 == v {print $3}' "$work/rows" | median)" \
    "$(awk -v v="$variant" '$1 == v {print $4}' "$work/rows" | median)" "$p"
done
