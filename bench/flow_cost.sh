#!/usr/bin/env bash
# What users with state cost the client (docs/performance.md, "Users with state"): the same
# two-request flow against the epoll model (HTTP/1.1: it echoes the request as its body), 50
# users --max --keepalive, three ways, alternated, REPEAT rounds of DURATION seconds:
#   prebuilt  GET /a then GET /b/a: no state at all (--no-cookies), the bytes prebuilt
#   jar       the same with the users' cookie jars on (a scenario's default): Set-Cookie looked
#             for in every response, none found, the bytes still prebuilt
#   checked   the same, each response checked (status, a body regex): bodies kept and read
#   carried   GET /a extracts "a" from its body (regex), GET /b/{{v}} sends it: the second
#             request built per send, the first's body kept and searched
# Prints each run's client CPU per request and the medians, and each variant's ratio to prebuilt
# (the goal: carried at most 1.3x).
#   bash bench/flow_cost.sh      (DURATION=5 REPEAT=5)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
need taskset; need jq
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time missing (apt-get install time)" >&2; exit 2; }
DURATION=${DURATION:-5}; REPEAT=${REPEAT:-5}
work=$(mktemp -d /tmp/loadlab-flow-bench.XXXXXX)
trap 'cleanup_all; rm -rf "$work"' EXIT
cat > "$work/prebuilt.json" <<'JSON'
{"order": "sequence", "requests": [{"name": "a", "path": "/a"}, {"name": "b", "path": "/b/a"}]}
JSON
cat > "$work/checked.json" <<'JSON'
{"order": "sequence", "requests": [
  {"name": "a", "path": "/a", "check": {"status": [200], "body_regex": "GET /(a) HTTP"}},
  {"name": "b", "path": "/b/a", "check": {"status": [200], "body_regex": "GET /b/a HTTP"}}]}
JSON
cat > "$work/carried.json" <<'JSON'
{"order": "sequence", "requests": [
  {"name": "a", "path": "/a", "extract": {"v": {"regex": "GET /(a) HTTP"}}},
  {"name": "b", "path": "/b/{{v}}"}]}
JSON
start_server epoll http11
out=$work/runs.txt
run() {
  local v=$1 json=$work/$1.result.json
  local extra=() file=$v; [ "$v" = prebuilt ] && extra=(--no-cookies); [ "$v" = jar ] && file=prebuilt
  timed /dev/null "$LOADGEN" -H "http://127.0.0.1:$SRV_PORT" --scenario "$work/$file.json" "${extra[@]}" \
    -u 50 --max --keepalive -t "${DURATION}s" -q --json "$json"
  local n f
  n=$(jq .summary.requests "$json"); f=$(jq .summary.failures "$json")
  [ "$f" = 0 ] || { echo "bench: $v had $f failures: $(jq -c .errors "$json")" >&2; exit 1; }
  awk -v v="$v" -v c="$TIMED_CPU" -v n="$n" -v d="$DURATION" \
    'BEGIN {printf "%s %.3f %.0f\n", v, c * 1e6 / n, n / d}' | tee -a "$out"
}
for r in $(seq 1 "$REPEAT"); do
  if [ $((r % 2)) = 1 ]; then order="prebuilt jar checked carried"; else order="carried checked jar prebuilt"; fi
  for v in $order; do run "$v"; done
done
base=$(awk '$1 == "prebuilt" {print $2}' "$out" | median)
for v in prebuilt jar checked carried; do
  m=$(awk -v v=$v '$1 == v {print $2}' "$out" | median)
  echo "$v: median $m us CPU/request, $(awk -v v=$v '$1 == v {print $3}' "$out" | median) req/s," \
    "$(awk -v m="$m" -v b="$base" 'BEGIN {printf "%.2f", m / b}')x prebuilt"
done
