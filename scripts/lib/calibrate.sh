# The machine's own costs before a job (sourced by calibrate.sh, bench-all.sh, capacity.sh):
#   calibrate_machine DEST_DIR   runs `server --calibrate` pinned like the server (SERVER_PIN from
#                                pin_prefixes), writes RESULTS/calibration/<UTC>/calibration.json,
#                                points RESULTS/calibration/latest at it, copies it to DEST_DIR (if
#                                given) and exports LOADGEN_CALIBRATION, so every result's
#                                environment records the costs it was measured beside.
#                                Returns 1 (CALIBRATION_ERROR says why) when it could not run.
calibrate_machine() {
  local dest=${1:-} ts dir rc=0
  ts=$(date -u +%Y%m%dT%H%M%SZ)
  dir="$RESULTS/calibration/$ts"
  mkdir -p "$dir" || { CALIBRATION_ERROR="cannot create $dir"; return 1; }
  "${SERVER_PIN[@]}" "$SERVER" --calibrate --json "$dir/calibration.json" >"$dir/calibration.txt" 2>"$dir/calibration.err" || rc=$?
  if [ ! -s "$dir/calibration.json" ]; then
    CALIBRATION_ERROR="server --calibrate failed (exit $rc): $(tail -2 "$dir/calibration.err" | tr '\n' ' ')"
    return 1
  fi
  # exit 1: a probe could not run here; the others are written and used
  [ "$rc" -eq 0 ] || echo "calibrate: warning: some costs could not be measured: $(jq -c '.errors' "$dir/calibration.json")" >&2
  ln -sfn "$ts" "$RESULTS/calibration/latest"
  [ -z "$dest" ] || cp "$dir/calibration.json" "$dest/calibration.json"
  LOADGEN_CALIBRATION="$dir/calibration.json"
  export LOADGEN_CALIBRATION
  CALIBRATION_DIR=$dir
}
