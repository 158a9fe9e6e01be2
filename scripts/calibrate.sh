#!/usr/bin/env bash
# make calibrate: this machine's own costs, measured pinned to the server's CPU (SERVER_CPUS,
# default 0) in about 10 s: fork+exit+wait of the server process and vfork, thread create+join, a
# context switch, loopback accept/connect+close, a round trip on an open connection,
# poll/select/epoll_wait over N idle descriptors, a 256 KiB copy, the --work-us busy loop, the
# shortest sleep. Prints the table; writes results/calibration/<UTC>/calibration.json (schema:
# docs/results.md) and points results/calibration/latest at it.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/scripts/lib/server.sh"
source "$ROOT/scripts/lib/calibrate.sh"
BUILD=${BUILD:-build}
[[ "$BUILD" = /* ]] || BUILD="$ROOT/$BUILD"
SERVER="$BUILD/server/server"
RESULTS=${RESULTS:-$ROOT/results}
[ -x "$SERVER" ] || { echo "calibrate: build first: $SERVER is missing (make calibrate builds it)" >&2; exit 2; }
command -v jq >/dev/null || { echo "calibrate: jq is missing (scripts/install-deps.sh installs it)" >&2; exit 2; }
pin_prefixes
calibrate_machine "" || { echo "calibrate: $CALIBRATION_ERROR" >&2; exit 1; }
echo "calibrate: server pinned with: ${SERVER_PIN[*]:-not pinned}"
cat "$CALIBRATION_DIR/calibration.txt"
echo "calibrate: wrote $LOADGEN_CALIBRATION; results/calibration/latest -> $(basename "$CALIBRATION_DIR")"
