#!/usr/bin/env bash
# The layers as include rules (docs/architecture.md): each folder may include only the folders
# listed for it, and only the engine's folders may include Asio's or OpenSSL's headers. Prints
# every include that breaks a rule, with its file and line; exits 1 if there is any.
# (The results layer is link-checked too: loadgen/CMakeLists.txt, results_layer_check.)
set -euo pipefail
cd "$(dirname "$0")/../.."

# folder (or file) -> the prefixes of the quoted includes it may use
allowed() {
  case "$1" in
    common/*) echo "common/" ;;
    # the server links lab_common only (common/CMakeLists.txt): not the client's half of common/
    server/*) echo "common/text.h common/duration. common/net. common/environment. common/calibration. common/json_reader. common/models. common/output_file. common/http/request_parser. common/http/reply. server/" ;;
    loadgen/shape/*) echo "common/ loadgen/shape/" ;;
    loadgen/flow/*) echo "common/ loadgen/flow/" ;;
    loadgen/workload/*) echo "common/ loadgen/shape/ loadgen/flow/ loadgen/workload/" ;;
    loadgen/pacing/*) echo "common/ loadgen/shape/ loadgen/flow/ loadgen/workload/ loadgen/pacing/" ;;
    loadgen/results/*) echo "common/ loadgen/results/" ;;
    loadgen/output/*) echo "common/ loadgen/results/ loadgen/output/" ;;
    loadgen/search/*) echo "common/ loadgen/shape/ loadgen/workload/ loadgen/pacing/ loadgen/results/ loadgen/output/ loadgen/run/ loadgen/measure/ loadgen/capacity/ loadgen/search/" ;;
    loadgen/capacity/*) echo "common/ loadgen/results/ loadgen/output/ loadgen/capacity/" ;;
    loadgen/run/* | loadgen/measure/* | loadgen/client/*) echo "common/ loadgen/shape/ loadgen/flow/ loadgen/workload/ loadgen/pacing/ loadgen/results/ loadgen/run/ loadgen/measure/ loadgen/client/" ;;
    loadgen/outputs/*) echo "common/ loadgen/shape/ loadgen/workload/ loadgen/pacing/ loadgen/results/ loadgen/output/ loadgen/run/ loadgen/measure/ loadgen/outputs/" ;;
    loadgen/live/*) echo "common/ loadgen/shape/ loadgen/workload/ loadgen/pacing/ loadgen/results/ loadgen/output/ loadgen/run/ loadgen/measure/ loadgen/outputs/ loadgen/live/" ;;
    loadgen/cli/*) echo "common/ loadgen/" ;;
    loadgen/main.cpp) echo "loadgen/cli/" ;;
    loadgen/layer_check.cpp) echo "" ;;
    *) echo "?" ;;
  esac
}
# where Asio's and OpenSSL's headers may appear
may_use_sockets() {
  case "$1" in server/* | loadgen/run/* | loadgen/measure/* | loadgen/client/* | loadgen/outputs/* | loadgen/live/*) return 0 ;; *) return 1 ;; esac
}

bad=0
while IFS= read -r f; do
  rules=$(allowed "$f")
  if [ "$rules" = "?" ]; then
    echo "$f: not in a known folder (add its rule to tests/checks/check-layers.sh and docs/architecture.md)"
    bad=1
    continue
  fi
  while IFS=: read -r line inc; do
    [ -n "$inc" ] || continue
    ok=0
    for p in $rules; do [[ "$inc" == "$p"* ]] && ok=1; done
    [[ "$inc" != */* ]] && ok=1  # a file's own neighbour by bare name (none today)
    if [ $ok -eq 0 ]; then
      echo "$f:$line: includes \"$inc\"; $(dirname "$f")/ may include only: ${rules:-nothing of the lab}"
      bad=1
    fi
  done < <(grep -n '^#include "' "$f" | sed -E 's/^([0-9]+):#include "([^"]+)".*/\1:\2/')
  if ! may_use_sockets "$f" && grep -nE '^#include <(boost/asio|openssl/)' "$f" > /tmp/layers.$$ 2>/dev/null; then
    while IFS= read -r hit; do
      echo "$f:${hit%%:*}: includes ${hit#*:#include } outside the engine (server/, loadgen/run/, measure/, client/, outputs/, live/)"
    done < /tmp/layers.$$
    bad=1
  fi
  rm -f /tmp/layers.$$
done < <(git ls-files -co --exclude-standard 'common/*.h' 'common/*.cpp' 'server/*.h' 'server/*.cpp' 'loadgen/*.h' 'loadgen/*.cpp' 2>/dev/null ||
         find common server loadgen -name '*.h' -o -name '*.cpp')
if [ $bad -ne 0 ]; then
  echo "check-layers: includes across layers (the rules: docs/architecture.md)" >&2
  exit 1
fi
echo "check-layers: every include within its layer"
