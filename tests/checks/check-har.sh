#!/usr/bin/env bash
# A browser's recording replays (loadgen har2scenario; docs/loadgen.md, "Record in a browser"):
# headless Chromium runs the shop's flow (tests/support/shop.py's /app page: login, cart, order,
# view) and its traffic is saved as HAR 1.2 (scripts/lib/browser_har.py); har2scenario turns it
# into a scenario, the CSRF token and the order id found as correlation candidates and applied
# (--correlate); loadgen replays it against a fresh shop with no failure, and the shop saw no
# refused request. Without --correlate the replay sends the recorded token and order id, and the
# shop refuses them: the candidates are what makes the replay work.
#   tests/checks/check-har.sh [BUILD_DIR]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
LOADGEN=$BUILD/loadgen/loadgen
for tool in chromium python3 jq curl; do
  command -v "$tool" >/dev/null || { echo "check-har: $tool is missing (make test installs it: scripts/install-deps.sh --test-tools)" >&2; exit 2; }
done
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "check-har: $*" >&2; exit 1; }

shop() {  # starts a fresh shop; its port in $port
  python3 "$ROOT/tests/support/shop.py" 0 > "$work/shop.$1.out" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do grep -q '^listening' "$work/shop.$1.out" && break; sleep 0.05; done
  port=$(sed -nE 's/^listening ([0-9]+)$/\1/p' "$work/shop.$1.out")
  [ -n "$port" ] || fail "the shop did not start: $(cat "$work/shop.$1.out")"
}

shop record
python3 "$ROOT/scripts/lib/browser_har.py" "http://127.0.0.1:$port/app" --until-title done --har "$work/flow.har" ||
  fail "Chromium did not record the flow"
n=$(jq '.log.entries | length' "$work/flow.har")
[ "$n" -ge 5 ] || fail "the recording holds $n entries (the page, its stylesheet, login, cart, order, view expected)"

"$LOADGEN" har2scenario "$work/flow.har" --correlate > "$work/flow.json" 2> "$work/har.err" ||
  fail "har2scenario failed: $(cat "$work/har.err")"
cat "$work/har.err"
grep -q "applied {{csrf}}: '/login' extracts {\"json\":\"/csrf\"}" "$work/har.err" || fail "the CSRF token was not found as a candidate"
grep -q "applied {{order_id}}: '/order' extracts {\"json\":\"/order_id\"}" "$work/har.err" || fail "the order id was not found as a candidate"
grep -qE "left out [0-9]+ static assets" "$work/har.err" || fail "the stylesheet was not left out"
names=$(jq -r '[.requests[].name] | join(" ")' "$work/flow.json")
[ "$names" = "/app /login /cart /order /orders/:id" ] || fail "the requests are '$names'"
jq -e '.requests[2].headers["X-CSRF-Token"] == "{{csrf}}" and .requests[4].path == "/orders/{{order_id}}"' \
  "$work/flow.json" > /dev/null || fail "the values are not sent as variables: $(cat "$work/flow.json")"
jq -e '.requests[1].think | test("^[0-9]+ms$")' "$work/flow.json" > /dev/null || fail "no think time from the timings"

replay() {  # $1: the scenario; the result in $work/$2.json
  shop "$2"
  "$LOADGEN" -H "http://127.0.0.1:$port" --scenario "$1" -u 3 -t 4s --keepalive --json "$work/$2.json" -q \
    2> "$work/$2.err" || true
  curl -sf "http://127.0.0.1:$port/stats" > "$work/$2.stats" || fail "the shop's stats"
}
replay "$work/flow.json" correlated
jq -e '.summary.failures == 0 and .summary.requests >= 10' "$work/correlated.json" > /dev/null ||
  fail "the replay failed: $(jq -c '{summary: .summary.requests, failures: .summary.failures, errors}' "$work/correlated.json")"
jq -e '[.endpoints[] | select(.name == "/orders/:id") | .requests] | .[0] > 0' "$work/correlated.json" > /dev/null ||
  fail "no order was viewed"
jq -e '[.[] | .errors] | add == 0' "$work/correlated.stats" > /dev/null || fail "the shop refused requests: $(cat "$work/correlated.stats")"

"$LOADGEN" har2scenario "$work/flow.har" > "$work/raw.json" 2> "$work/raw.err" || fail "har2scenario (no --correlate) failed"
grep -q "candidate {{csrf}}" "$work/raw.err" || fail "without --correlate the candidates are not reported"
replay "$work/raw.json" recorded
jq -e '[.[] | .errors] | add > 0' "$work/recorded.stats" > /dev/null ||
  fail "the recorded token and order id were accepted: the check proves nothing ($(cat "$work/recorded.stats"))"
echo "check-har: recorded $n entries in Chromium; replayed with the candidates applied: $(jq .summary.requests "$work/correlated.json") requests, no failure"
