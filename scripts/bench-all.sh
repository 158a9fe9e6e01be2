#!/usr/bin/env bash
# Runs every server model under the same workload and summarises them side by side.
#   PROFILE=seed|quick|max|keepalive (bench/profiles/*.json)   MODELS="single select" (default: all)
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

die() { echo "bench-all: $*" >&2; exit 2; }
[ -x "$SERVER" ] && [ -x "$LOADGEN" ] || die "build first: $SERVER or $LOADGEN is missing (run make bench-all)"
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

SERVER_PIN=(); LOADGEN_PIN=()
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
  SERVER_PIN=(taskset -c 0); LOADGEN_PIN=(taskset -c 1)
fi
jq -n --arg profile "$PROFILE" --arg started "$TS" --argjson models "$(printf '%s\n' "${MODEL_LIST[@]}" | jq -R . | jq -s .)" \
  --arg pinning "${SERVER_PIN[*]:-none} / ${LOADGEN_PIN[*]:-none}" --slurpfile p "$PROFILE_FILE" \
  '{profile: $profile, started_at: $started, models: $models, pinning: $pinning, profile_doc: $p[0]}' > "$RUN/suite.json"

echo "bench-all: profile $PROFILE ($PROTOCOL protocol), ${N} models, results in $RUN"
echo "bench-all: pinning server: ${SERVER_PIN[*]:-none}, loadgen: ${LOADGEN_PIN[*]:-none}"

# A result document for a model that did not produce one.
write_failure() {  # model status error
  jq -n --arg lbl "$1" --arg status "$2" --arg error "$3" --arg profile "$PROFILE" \
    '{"schema": "loadlab.result", "schema_version": 1, "label": $lbl, "status": $status, "error": $error,
      "workload": {"profile": $profile}, "tool": {"name": "bench-all"}}' > "$RUN/$1.json"
}

descendants() {  # pid -> all descendant pids
  local kids; kids=$(pgrep -P "$1" 2>/dev/null || true)
  for k in $kids; do echo "$k"; descendants "$k"; done
}

i=0
for model in "${MODEL_LIST[@]}"; do
  i=$((i + 1))
  out="$RUN/logs/$model.server.out"; err="$RUN/logs/$model.server.err"
  # shellcheck disable=SC2086
  "${SERVER_PIN[@]}" "$SERVER" --model "$model" --port 0 --protocol "$PROTOCOL" --grace 3s $SERVER_ARGS >"$out" 2>"$err" &
  spid=$!
  port=""
  for _ in $(seq 1 $((READY_TIMEOUT * 20))); do
    port=$(sed -nE '1s/^listening [0-9.]+:([0-9]+) .*/\1/p' "$out" 2>/dev/null)
    [ -n "$port" ] && break
    kill -0 "$spid" 2>/dev/null || break
    sleep 0.05
  done
  if [ -z "$port" ]; then
    if kill -0 "$spid" 2>/dev/null; then
      reason="never printed its ready line within ${READY_TIMEOUT}s"
      kill -KILL "$spid" 2>/dev/null
    else
      wait "$spid"; code=$?
      reason="exited with code $code before becoming ready: $(tail -3 "$err" | tr '\n' ' ')"
    fi
    wait "$spid" 2>/dev/null
    echo "[$i/$N] $model: FAILED: $reason"
    write_failure "$model" server_failed "$reason"
    continue
  fi
  "${LOADGEN_PIN[@]}" "$LOADGEN" -H "http://127.0.0.1:$port" "${LOADGEN_ARGS[@]}" --label "$model" \
    --json "$RUN/$model.json" --csv "$RUN/$model" --progress always --progress-prefix "[$i/$N] $model" \
    2>&1 >"$RUN/logs/$model.loadgen.out" | tee "$RUN/logs/$model.loadgen.err" >&2
  lrc=${PIPESTATUS[0]}
  # Stop the server: SIGTERM, wait for its grace, then SIGKILL; nothing may be left behind.
  stop="graceful"
  kids=$(descendants "$spid")
  if ! kill -0 "$spid" 2>/dev/null; then
    stop="crashed"
  else
    kill -TERM "$spid"
    for _ in $(seq 1 100); do kill -0 "$spid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$spid" 2>/dev/null; then stop="killed"; kill -KILL "$spid"; fi
  fi
  wait "$spid"; src=$?
  left=0
  for k in $kids; do
    if kill -0 "$k" 2>/dev/null; then left=$((left + 1)); kill -KILL "$k" 2>/dev/null; fi
  done
  summary=$(grep '^server: stopped' "$err" | tail -1)
  if [ -s "$RUN/$model.json" ]; then
    status=ok
    [ "$stop" = crashed ] && status=server_crashed
    jq --arg stop "$stop" --argjson code "$src" --argjson left "$left" --arg summary "$summary" --arg status "$status" \
      '.server = {stop: $stop, exit_code: $code, leftover_processes: $left, summary: $summary}
       | if $status != "ok" then .status = $status | .error = "server crashed during the run (exit \($code))" else . end' \
      "$RUN/$model.json" > "$RUN/$model.json.tmp" && mv "$RUN/$model.json.tmp" "$RUN/$model.json"
  else
    write_failure "$model" loadgen_failed "loadgen exited $lrc: $(tail -2 "$RUN/logs/$model.loadgen.err" | tr '\n' ' ')"
    echo "[$i/$N] $model: FAILED: loadgen exited $lrc"
  fi
  [ "$left" -gt 0 ] && echo "[$i/$N] $model: WARNING: $left leftover process(es) killed"
  [ "$stop" != graceful ] && echo "[$i/$N] $model: server stop: $stop (exit $src)"
done

ln -sfn "runs/$TS" "$RESULTS/latest"
echo
"$LOADGEN" summary "$RUN" || exit 2
"$LOADGEN" report "$RUN" >/dev/null || exit 2
echo
echo "bench-all: wrote $RUN/{<model>.json,<model>_stats*.csv,summary.md,report.html}; results/latest -> runs/$TS"
