#!/usr/bin/env bash
# Runs every server model under the same workload and summarises them side by side.
#   PROFILE=seed|quick|max|keepalive (bench/profiles/*.json)   MODELS="single select" (default: all)
#   LIVE=PORT: watch the whole job in a browser at http://127.0.0.1:PORT/ (LIVE_LINGER=5m keeps
#   the page served that long after the job; the default is to end with the job).
#   REPEAT=N: N rounds, each running every model once (interleaved, so drift on the machine hits
#   every model alike); each model's runs go to repeats/ and `loadgen aggregate` folds them into
#   one result per model carrying the median, min and max of every metric.
# For each model: start the server on an ephemeral port (pinned to CPU 0 when there are two or
# more), wait for its ready line, run loadgen (pinned to CPU 1), stop the server gracefully,
# check that nothing it started is left, and annotate the model's JSON with how the server
# ended. A model that crashes, hangs or never becomes ready is recorded as failed; the suite
# goes on. Writes results/runs/<UTC timestamp>/, points results/latest at it, prints the table.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
[[ "$BUILD" = /* ]] || BUILD="$ROOT/$BUILD"
SERVER="$BUILD/server/server"
LOADGEN="$BUILD/loadgen/loadgen"
PROFILE=${PROFILE:-seed}
PROFILE_FILE="$ROOT/bench/profiles/$PROFILE.json"
RESULTS=${RESULTS:-$ROOT/results}
READY_TIMEOUT=${READY_TIMEOUT:-10}
SERVER_ARGS=${SERVER_ARGS:-}
REPEAT=${REPEAT:-1}

source "$ROOT/scripts/lib/server.sh"
source "$ROOT/scripts/lib/cgroup.sh"
die() { echo "bench-all: $*" >&2; exit 2; }
[ -x "$SERVER" ] && [ -x "$LOADGEN" ] || die "build first: $SERVER or $LOADGEN is missing (run make bench-all)"
[[ "$REPEAT" =~ ^[1-9][0-9]*$ ]] || die "REPEAT must be a whole number >= 1 (got '$REPEAT')"
[ -f "$PROFILE_FILE" ] || die "unknown PROFILE '$PROFILE' (choose one of: $(cd "$ROOT/bench/profiles" && ls *.json | sed 's/\.json//' | tr '\n' ' '))"
command -v jq >/dev/null || die "jq is missing (scripts/install-deps.sh installs it)"

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
if server_cgroup_open "lab-bench-check-$$"; then
  server_cgroup_close
  CGROUPS=yes
else
  [ -n "${SERVER_CPU_LIMIT:-}" ] && die "SERVER_CPU_LIMIT=$SERVER_CPU_LIMIT: $CGROUP_ERROR"
  CGROUPS=no
  echo "bench-all: warning: the servers' CPU will not be measured: $CGROUP_ERROR" >&2
fi
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
  out="$logbase.server.out"; err="$logbase.server.err"
  cg_args=()
  if [ "$CGROUPS" = yes ]; then
    server_cgroup_open "lab-server-$$-$i-$round" || die "$model: $CGROUP_ERROR"
    cg_args=(--server-cgroup "$SERVER_CG")
  fi
  # shellcheck disable=SC2086
  "${SERVER_PIN[@]}" "${SERVER_CG_RUN[@]}" "$SERVER" --model "$model" --port 0 --protocol "$PROTOCOL" --grace 3s $SERVER_ARGS >"$out" 2>"$err" &
  spid=$!
  if ! port=$(wait_ready "$out" "$spid" "$READY_TIMEOUT"); then
    if kill -0 "$spid" 2>/dev/null; then
      reason="never printed its ready line within ${READY_TIMEOUT}s"
      kill -KILL "$spid" 2>/dev/null
    else
      wait "$spid"; code=$?
      reason="exited with code $code before becoming ready: $(tail -3 "$err" | tr '\n' ' ')"
    fi
    wait "$spid" 2>/dev/null
    server_cgroup_close
    echo "$tag: FAILED: $reason"
    write_failure "$json" "$model" server_failed "$reason"
    live_failed "$model" "the server $reason"
    continue
  fi
  "${LOADGEN_PIN[@]}" "$LOADGEN" -H "http://127.0.0.1:$port" "${LOADGEN_ARGS[@]}" "${cg_args[@]}" --label "$model" \
    --json "$json" "${csv[@]}" "${LIVE_ARGS[@]}" --progress always --progress-prefix "$tag" \
    2>&1 >"$logbase.loadgen.out" | tee "$logbase.loadgen.err" >&2
  lrc=${PIPESTATUS[0]}
  # Stop the server: SIGTERM, wait for its grace, then SIGKILL; nothing may be left behind.
  stop_gracefully "$spid"; stop=$STOP; src=$STOP_CODE; left=$LEFTOVER
  server_cgroup_close
  summary=$(grep '^server: stopped' "$err" | tail -1)
  ready=$(head -1 "$out")
  if [ -s "$json" ]; then
    # The server's side of the story, and what reproduces it (its arguments, its ready line and
    # the knobs it states there). A run loadgen already marked failed keeps its own status.
    jq --arg stop "$stop" --argjson code "$src" --argjson left "$left" --arg summary "$summary" \
      --arg ready "$ready" --arg args "--model $model --protocol $PROTOCOL --grace 3s $SERVER_ARGS" \
      --argjson knobs "$(ready_json "$out")" \
      '.server = {stop: $stop, exit_code: $code, leftover_processes: $left, summary: $summary, ready_line: $ready,
                  args: $args, knobs: $knobs}
       | if $stop == "crashed" and .status == "ok" then .status = "server_crashed"
           | .error = "server crashed during the run (exit \($code))" else . end' \
      "$json" > "$json.tmp" && mv "$json.tmp" "$json"
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
