#!/usr/bin/env bash
# make calibrate: this machine's own costs, measured pinned to the server's CPU (SERVER_CPUS,
# default 0) in about 10 s: fork+exit+wait of the server process and vfork, thread create+join, a
# context switch, loopback accept/connect+close, a round trip on an open connection,
# poll/select/epoll_wait over N idle descriptors, a 256 KiB copy, the --work-us busy loop, the
# shortest sleep. Prints the table; writes results/calibration/<UTC>/calibration.json (schema:
# docs/results.md) and points results/calibration/latest at it.
set -uo pipefail
JOB=calibrate
source "$(dirname "$0")/lib/prologue.sh"
source "$ROOT/scripts/lib/calibrate.sh"
need_tools "$SERVER"
pin_prefixes
calibrate_machine "" || { echo "calibrate: $CALIBRATION_ERROR" >&2; exit 1; }
echo "calibrate: server pinned with: ${SERVER_PIN[*]:-not pinned}"
cat "$CALIBRATION_DIR/calibration.txt"
echo "calibrate: wrote $LOADGEN_CALIBRATION; results/calibration/latest -> $(basename "$CALIBRATION_DIR")"
