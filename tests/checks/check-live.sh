#!/usr/bin/env bash
# The live view as a browser and Prometheus see it, during a real run (a test of make test):
#  - headless Chromium loads the page mid-run; its DOM must show the six charts (two by request
#    name) drawn with
#    points, the tiles and the statistics table filled with numbers (an Aggregated row and one per
#    request name), and no page error; a screenshot is taken (OUT=docs/live-view.png refreshes
#    the one in the docs);
#  - at the end, /metrics passes `promtool check metrics` and its request total equals the result
#    file's.
#   bash tests/checks/check-live.sh [BUILD_DIR]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(readlink -f "${1:-$ROOT/build}")
SERVER="$BUILD/server/server"; LOADGEN="$BUILD/loadgen/loadgen"
for tool in chromium promtool jq curl; do
  command -v "$tool" >/dev/null || { echo "check-live: $tool is missing (make test installs it: scripts/install-deps.sh --test-tools)" >&2; exit 2; }
done
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "check-live: $*" >&2; exit 1; }

"$SERVER" --model epoll --port 0 > "$work/server.out" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do grep -q '^listening' "$work/server.out" && break; sleep 0.05; done
port=$(sed -nE 's/^listening [^ ]*:([0-9]+).*/\1/p' "$work/server.out" | head -1)
[ -n "$port" ] || fail "the server did not start: $(cat "$work/server.out")"

# Four request names, so the statistics table has rows to fill (the seed server answers any path).
cat > "$work/shop.json" <<'JSON'
{"requests": [
  {"name": "home", "path": "/", "weight": 4},
  {"name": "item", "path": "/item?id=42", "weight": 3},
  {"name": "search", "path": "/search?q=lamp", "weight": 2},
  {"name": "cart", "path": "/cart", "method": "POST", "body": {"item": 42}, "weight": 1}
]}
JSON
"$LOADGEN" -H "http://127.0.0.1:$port" --scenario "$work/shop.json" -u 60 -r 20 --wait-min 0.02 --wait-max 0.2 \
  -t 14s --live 0 --live-linger 60s --json "$work/run.json" -q > "$work/loadgen.out" 2> "$work/loadgen.err" &
lg=$!
pids+=($lg)
for _ in $(seq 1 100); do grep -q 'live view at' "$work/loadgen.err" && break; sleep 0.05; done
url=$(sed -nE 's/^loadgen: live view at (http[^ ]*).*/\1/p' "$work/loadgen.err" | head -1)
[ -n "$url" ] || fail "no live URL: $(cat "$work/loadgen.err")"

sleep 5  # a few seconds of the run
# The page mid-run, as a browser shows it (its event stream never ends, so the snapshot is taken
# over the DevTools protocol after 4 s rather than at the load event).
shot=${OUT:-$work/live-view.png}
python3 "$ROOT/scripts/lib/browser_snapshot.py" "$url" --wait 4 --dom "$work/dom.html" --png "$shot" --size 1400x1300 ||
  fail "Chromium could not take the page"
[ -s "$work/dom.html" ] || fail "Chromium dumped no DOM"
[ -s "$shot" ] || fail "Chromium took no screenshot"

bad=0
check() { if ! eval "$2"; then echo "check-live: the page: $1" >&2; bad=$((bad + 1)); fi; }
dom="$work/dom.html"
for chart in chart-rps chart-latency chart-users chart-client chart-names-rps chart-names-p95; do
  n=$(grep -oE "id=\"$chart\" data-points=\"[0-9]+\"" "$dom" | grep -oE '[0-9]+"$' | tr -d '"' || true)
  check "$chart has ${n:-no} points (at least 3 expected)" '[ "${n:-0}" -ge 3 ]'
done
check "no chart was drawn (no canvas)" '[ "$(grep -o "<canvas" "$dom" | wc -l)" -ge 4 ]'
check "the page reported an error: $(grep -o 'id="pageerror"[^<]*' "$dom")" 'grep -q "id=\"pageerror\" class=\"hidden\"" "$dom"'
check "the requests/s tile is not a number" 'grep -qE "id=\"rps\">[0-9][0-9,.]*<" "$dom"'
check "the p99 tile is not a number" 'grep -qE "id=\"p99\">[0-9][0-9,.]*<" "$dom"'
check "the users tile is not a number" 'grep -qE "id=\"users\">[0-9][0-9,]*<" "$dom"'
check "the badge does not say running" 'grep -q "id=\"badge\" class=\"badge running\">running<" "$dom"'
for name in home item search cart Aggregated; do
  check "the statistics table has no numbered row for $name" \
    'grep -qE "<td class=\"t\">$name</td><td>[0-9][0-9,]*</td>" "$dom"'
done
check "the status codes table has no 200 row" 'grep -qE "<td class=\"t\">200</td><td>[0-9][0-9,]*</td>" "$dom"'

# The end: the metrics as Prometheus reads them, and their total against the file.
for _ in $(seq 1 400); do grep -q 'stays at' "$work/loadgen.err" && break; sleep 0.05; done
grep -q 'stays at' "$work/loadgen.err" || fail "the run did not end: $(cat "$work/loadgen.err")"
curl -sf "${url}metrics" > "$work/metrics.txt" || fail "GET /metrics failed"
promtool check metrics < "$work/metrics.txt" > "$work/promtool.out" 2>&1 ||
  { cat "$work/promtool.out" >&2; fail "promtool check metrics refused /metrics"; }
total=$(awk '$1 == "loadgen_requests_total" { print $2 }' "$work/metrics.txt")
want=$(jq .summary.requests "$work/run.json")
check "/metrics says $total requests, the result file $want" '[ "$total" = "$want" ]'
check "/metrics has no per-name counter for cart" 'grep -q "loadgen_endpoint_requests_total{name=\"cart\"}" "$work/metrics.txt"'
kill -INT "$lg"
wait "$lg" || fail "loadgen exited $? after Ctrl-C while lingering"
echo "check-live: the page (6 charts, tiles, 5 table rows, codes) and /metrics (promtool; $total requests) checked, $bad problems; screenshot $shot"
[ "$bad" -eq 0 ]
