#!/usr/bin/env bash
# loadgen's HdrHistogram output read by an independent decoder (a test of make test): a scenario
# run against the lab's server writes --json and --hlog, `loadgen export --hgrm` writes the
# percentile text, and npm's hdr-histogram-js (installed once into a cache folder) must decode
# every interval line to the result's counts, agree on p99 to the bucket, and render the same
# .hgrm. The check must be able to fail: a result with one count changed is refused.
#   bash tests/checks/check-hdr.sh [BUILD_DIR]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(readlink -f "${1:-$ROOT/build}")
cache=${LAB_NPM_CACHE_HDR:-${XDG_CACHE_HOME:-$HOME/.cache}/loadlab-hdr-histogram-js}
command -v node >/dev/null && command -v npm >/dev/null ||
  { echo "check-hdr: node and npm are needed (apt-get install nodejs npm)" >&2; exit 2; }
if [ ! -d "$cache/node_modules/hdr-histogram-js" ]; then
  mkdir -p "$cache"
  (cd "$cache" && [ -f package.json ] || echo '{"name":"loadlab-hdr-check","private":true}' > package.json)
  (cd "$cache" && npm install --no-audit --no-fund --silent hdr-histogram-js@3.0.1) ||
    { echo "check-hdr: npm install hdr-histogram-js failed" >&2; exit 1; }
fi
tmp=$(mktemp -d)
server_pid=
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
"$BUILD/server/server" --model epoll --port 0 > "$tmp/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do grep -q '^listening' "$tmp/server.log" && break; sleep 0.05; done
port=$(sed -nE 's/^listening [^ ]*:([0-9]+).*/\1/p' "$tmp/server.log" | head -1)
[ -n "$port" ] || { echo "check-hdr: the server did not start: $(cat "$tmp/server.log")" >&2; exit 1; }
cat > "$tmp/shop.json" <<'JSON'
{"requests": [{"name": "home", "path": "/", "weight": 3}, {"name": "search", "path": "/search?q=x", "weight": 2},
              {"name": "login", "method": "POST", "path": "/login", "body": "user=a"}]}
JSON
"$BUILD/loadgen/loadgen" -H "http://127.0.0.1:$port" --scenario "$tmp/shop.json" -u 8 -r 0 --wait constant:1ms -t 3s \
  --json "$tmp/run.json" --hlog "$tmp/run.hlog" --quiet
"$BUILD/loadgen/loadgen" export "$tmp/run.json" --hgrm "$tmp/run.hgrm"
node "$ROOT/tests/support/check_hdr.js" "$cache/node_modules" "$tmp/run.json" "$tmp/run.hlog" "$tmp/run.hgrm"
# One bucket's count changed in the result: the decoder must disagree.
jq '.histogram.counts[0][1] += 1 | .histogram.count += 1' "$tmp/run.json" > "$tmp/bad.json"
if node "$ROOT/tests/support/check_hdr.js" "$cache/node_modules" "$tmp/bad.json" "$tmp/run.hlog" "$tmp/run.hgrm" 2> /dev/null; then
  echo "check-hdr: a result with a changed count was accepted" >&2; exit 1
fi
echo "check-hdr: a changed count is refused"
