#!/usr/bin/env bash
# Runs every server model under the same workload and summarises them side by side.
#   PROFILE=seed|quick|max|keepalive (bench/profiles/*.json)   MODELS="single select" (default: all)
#   OUT="prometheus=URL influxdb=URL,db=k6": push every run as it goes (loadgen --out), labelled
#   testid=bench-all-<ts>, model, workload (the profile)
#   LIVE=PORT: watch the whole job in a browser at http://127.0.0.1:PORT/ (LIVE_LINGER=5m keeps
#   the page served that long after the job; the default is to end with the job).
#   REPEAT=N: N rounds, each running every model once (interleaved, so drift on the machine hits
#   every model alike); each model's runs go to repeats/ and `loadgen aggregate` folds them into
#   one result per model carrying the median, min and max of every metric.
# For each model: start the server on an ephemeral port (pinned to CPU 0 when there are two or
# more), wait for its ready line, run loadgen (pinned to CPU 1), stop the server gracefully,
# check that nothing it started is left, and annotate the model's JSON with how the server
# ended (scripts/lib/model_run.sh, the lifecycle every job shares). A model that crashes, hangs or never becomes ready is recorded as failed; the suite
# goes on. Writes results/runs/<UTC timestamp>/, points results/latest at it, prints the table.
set -uo pipefail

JOB=bench-all
source "$(dirname "$0")/lib/prologue.sh"
PROFILE=${PROFILE:-seed}
PROFILE_FILE="$ROOT/bench/profiles/$PROFILE.json"
SERVER_ARGS=${SERVER_ARGS:-}
REPEAT=${REPEAT:-1}

source "$ROOT/scripts/lib/cgroup.sh"
source "$ROOT/scripts/lib/model_run.sh"
source "$ROOT/scripts/lib/outputs.sh"
need_tools "$SERVER" "$LOADGEN"
[[ "$REPEAT" =~ ^[1-9][0-9]*$ ]] || die "REPEAT must be a whole number >= 1 (got '$REPEAT')"
[ -f "$PROFILE_FILE" ] || die "unknown PROFILE '$PROFILE' (choose one of: $(cd "$ROOT/bench/profiles" && ls *.json | sed 's/\.json//' | tr '\n' ' '))"

PROTOCOL=$(jq -r .protocol "$PROFILE_FILE")
mapfile -t LOADGEN_ARGS < <(jq -r '.loadgen[]' "$PROFILE_FILE")
if [ -z "${MODELS:-}" ]; then
  MODELS=$("$SERVER" --list-models | awk '{print $1}' | tr '\n' ' ')
fi
read -r -a MODEL_LIST <<< "$MODELS"
N=${#MODEL_LIST[@]}

TS=$(date -u +%Y%m%dT%H%M%SZ)
RUN="$RESULTS/runs/$TS"
mkdir -p "$RUN/logs" || die "cannot create $RUN"

pin_prefixes  # SERVER_CPUS (default 0) / LOADGEN_CPUS (default: the others)
# Each server in a cgroup of its own: every result records the server's CPU per request
# (server_cpu); SERVER_CPU_LIMIT=Q limits it to Q CPUs as a container limit would.
model_cgroups_check bench-all || die "$CGROUP_ERROR"
# The machine's own costs first (about 10 s): every result's environment records them.
source "$ROOT/scripts/lib/calibrate.sh"
if calibrate_machine "$RUN"; then
  echo "bench-all: this machine's costs (make calibrate): fork+exit+wait $(jq -r '.costs.fork_exit_wait.median_us | . * 10 | round / 10' "$RUN/calibration.json") us, loopback round trip $(jq -r '.costs.loopback_round_trip.median_us | . * 10 | round / 10' "$RUN/calibration.json") us; $RUN/calibration.json"
else
  echo "bench-all: warning: the machine's costs were not measured: $CALIBRATION_ERROR" >&2
fi
jq -n --arg profile "$PROFILE" --arg started "$TS" --argjson models "$(printf '%s\n' "${MODEL_LIST[@]}" | jq -R . | jq -s .)" \
  --arg pinning "${SERVER_PIN[*]:-none} / ${LOADGEN_PIN[*]:-none}" --slurpfile p "$PROFILE_FILE" --argjson repeat "$REPEAT" \
  --arg server_args "$SERVER_ARGS" \
  '{profile: $profile, started_at: $started, models: $models, pinning: $pinning, repeat: $repeat,
    server_args: $server_args, profile_doc: $p[0]}' > "$RUN/suite.json"
[ "$REPEAT" -gt 1 ] && mkdir -p "$RUN/repeats"

# LIVE=PORT: one live page for the whole job (loadgen live-hub); every run sends its events there.
LIVE_ARGS=()
source "$ROOT/scripts/lib/live.sh"
if [ -n "${LIVE:-}" ]; then
  start_live_hub "$LIVE" "make bench-all PROFILE=$PROFILE: $N models x $REPEAT round(s)" "${MODEL_LIST[*]}" \
    "model,requests,requests/s,p50 ms,p99 ms,failures,fidelity,status" "$RUN/logs" || die "$LIVE_ERROR"
  LIVE_ARGS=(--live-hub "$LIVE_HUB")
  echo "bench-all: live view of the whole job at $LIVE_URL"
fi

echo "bench-all: profile $PROFILE ($PROTOCOL protocol), ${N} models x $REPEAT round(s), results in $RUN"
echo "bench-all: pinning server: ${SERVER_PIN[*]:-none}, loadgen: ${LOADGEN_PIN[*]:-none}"

# A result document for a model that did not produce one (schema v2 without a summary).
write_failure() {  # file model status error
  jq -n --arg lbl "$2" --arg status "$3" --arg error "$4" --arg profile "$PROFILE" \
    '{"schema": "loadlab.result", "schema_version": 2, "label": $lbl, "status": $status, "error": $error,
      "workload": {"profile": $profile}, "tool": {"name": "bench-all"}}' > "$1"
}

for round in $(seq 1 "$REPEAT"); do
i=0
for model in "${MODEL_LIST[@]}"; do
  i=$((i + 1))
  if [ "$REPEAT" -gt 1 ]; then
    tag="[$i/$N r$round/$REPEAT] $model"; json="$RUN/repeats/$model.r$round.json"; csv=()
    logbase="$RUN/logs/$model.r$round"
  else
    tag="[$i/$N] $model"; json="$RUN/$model.json"; csv=(--csv "$RUN/$model")
    logbase="$RUN/logs/$model"
  fi
  # shellcheck disable=SC2086
  if ! start_model "$logbase" "$model" "$PROTOCOL" $SERVER_ARGS; then
    echo "$tag: FAILED: $MODEL_FAILURE"
    write_failure "$json" "$model" server_failed "$MODEL_FAILURE"
    live_failed "$model" "the server $MODEL_FAILURE"
    continue
  fi
  out_args "bench-all-$TS" "$model" "$PROFILE"
  "${LOADGEN_PIN[@]}" "$LOADGEN" -H "http://127.0.0.1:$MODEL_PORT" "${LOADGEN_ARGS[@]}" "${MODEL_LOADGEN_ARGS[@]}" \
    --label "$model" --json "$json" "${csv[@]}" "${LIVE_ARGS[@]}" "${OUT_ARGS[@]}" --progress always --progress-prefix "$tag" \
    2>&1 >"$logbase.loadgen.out" | tee "$logbase.loadgen.err" >&2
  lrc=${PIPESTATUS[0]}
  stop_model
  stop=$STOP; src=$STOP_CODE; left=$LEFTOVER
  if [ -s "$json" ]; then
    note_server "$json" --status-on-crash  # a run loadgen already marked failed keeps its own status
  else
    write_failure "$json" "$model" loadgen_failed "loadgen exited $lrc: $(tail -2 "$logbase.loadgen.err" | tr '\n' ' ')"
    live_failed "$model" "loadgen exited $lrc"
    echo "$tag: FAILED: loadgen exited $lrc"
  fi
  [ "$left" -gt 0 ] && echo "$tag: WARNING: $left leftover process(es) killed"
  [ "$stop" != graceful ] && echo "$tag: server stop: $stop (exit $src)"
done
done

if [ "$REPEAT" -gt 1 ]; then
  "$LOADGEN" aggregate "$RUN" || exit 2
fi
ln -sfn "runs/$TS" "$RESULTS/latest"
end_live_hub
echo
"$LOADGEN" summary "$RUN" || exit 2
"$LOADGEN" report "$RUN" >/dev/null || exit 2
echo
echo "bench-all: wrote $RUN/{<model>.json,<model>_*.csv,summary.md,report.html}$([ "$REPEAT" -gt 1 ] && echo ",repeats/"); results/latest -> runs/$TS"
