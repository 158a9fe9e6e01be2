#!/usr/bin/env bash
# Finds every model's capacity under every workload of the matrix (bench/profiles/capacity/):
# for each workload and model, starts the server with the workload's knobs (pinned to
# SERVER_CPUS), runs `loadgen capacity` (pinned to the other CPUs), records the server's side in
# the document, stops the server, and finally writes the answer table and report.
#   MATRIX="original backend-wait"   (default: every workload)     MODELS="epoll threadpool"
#   SERVER_CPUS=0 (default; 0,1 lets multi-threaded models use both CPUs, shared with loadgen)
#   WARMUP=1s MEASURE=2s SWEEP_STEP=500ms BUDGET=90s RESOLUTION=5%   (per step / per search)
#   OUT="prometheus=URL": push every step (loadgen --out), labelled testid=capacity-<ts>, model, workload
#   LIVE=PORT: watch the whole search in a browser at http://127.0.0.1:PORT/ (every step live, the
#   answers as a table filling in; LIVE_LINGER=5m keeps the page that long after the job)
# Writes results/capacity/<UTC timestamp>/{capacity.json,<workload>/<model>.json,summary.md,
# report.html,logs/} and points results/capacity/latest at it.
set -uo pipefail

JOB=capacity
source "$(dirname "$0")/lib/prologue.sh"
source "$ROOT/scripts/lib/cgroup.sh"
source "$ROOT/scripts/lib/model_run.sh"
source "$ROOT/scripts/lib/outputs.sh"
PROFILES="$ROOT/bench/profiles/capacity"
WARMUP=${WARMUP:-1s}; MEASURE=${MEASURE:-2s}; SWEEP_STEP=${SWEEP_STEP:-500ms}; BUDGET=${BUDGET:-90s}
RESOLUTION=${RESOLUTION:-5%}

need_tools "$SERVER" "$LOADGEN"
# Every workload of the matrix, in its profiles' stated order ("order" in each; the name breaks ties).
ALL_WORKLOADS=$(for f in "$PROFILES"/*.json; do echo "$(jq -r '.order // 99' "$f") $(basename "$f" .json)"; done |
  sort -n -k1,1 -k2 | awk '{print $2}' | tr '\n' ' ')
read -r -a WORKLOADS <<< "${MATRIX:-$ALL_WORKLOADS}"
for w in "${WORKLOADS[@]}"; do
  [ -f "$PROFILES/$w.json" ] || die "unknown workload '$w' in MATRIX (choose from: $(cd "$PROFILES" && ls *.json | sed 's/\.json//' | tr '\n' ' '))"
done
ALL_MODELS=$("$SERVER" --list-models | awk '{print $1}' | tr '\n' ' ')
read -r -a MODEL_LIST <<< "${MODELS:-$ALL_MODELS}"
for m in "${MODEL_LIST[@]}"; do
  "$SERVER" --list-models | awk '{print $1}' | grep -qx "$m" || die "unknown model '$m' in MODELS (choose from: $ALL_MODELS)"
done
EVENT_DRIVEN=$("$SERVER" --list-models | awk '/event_driven=yes/ {print $1}' | tr '\n' ' ')
pin_prefixes
# The server's CPU is read from a cgroup of its own (the service demand per step); with
# SERVER_CPU_LIMIT=Q the group also limits it to Q CPUs. A limit that cannot be set stops here.
model_cgroups_check capacity || die "$CGROUP_ERROR"
# Under a CPU limit the client path is the socket's own calls (unless LOADGEN_CLIENT_IO says
# otherwise): the client has four times the server's CPU, so the ring's saving is not needed, and
# against a server held at its quota the ring read responses 10-20 ms late where the sockets path
# found the server's limit at the same rates (docs/performance.md, the CPU-limited matrix).
if [ -n "${SERVER_CPU_LIMIT:-}" ] && [ -z "${LOADGEN_CLIENT_IO:-}" ]; then export LOADGEN_CLIENT_IO=sockets; fi

TS=$(date -u +%Y%m%dT%H%M%SZ)
FOLDER="$RESULTS/capacity/$TS"
mkdir -p "$FOLDER/logs" || die "cannot create $FOLDER"
note="Server pinned to CPU(s) ${SERVER_CPUS:-0} (${SERVER_PIN[*]:-not pinned})${SERVER_CPU_LIMIT:+, limited to $SERVER_CPU_LIMIT CPU (a CFS quota over ${SERVER_CPU_PERIOD_US} us periods, as a container limit)}, loadgen to ${LOADGEN_PIN[*]:-not pinned} (client path: ${LOADGEN_CLIENT_IO:-auto}); $(nproc) CPUs; per step ${WARMUP} warm-up + ${MEASURE} measured, resolution ${RESOLUTION}, sweep points ${SWEEP_STEP} each, at most ${BUDGET} per search."
jq -n --arg started "$TS" --argjson models "$(printf '%s\n' "${MODEL_LIST[@]}" | jq -R . | jq -s .)" \
  --argjson matrix "$(for w in "${WORKLOADS[@]}"; do cat "$PROFILES/$w.json"; done | jq -s .)" --arg note "$note" \
  '{started_at: $started, models: $models, matrix: $matrix, note: $note}' > "$FOLDER/capacity.json"
echo "capacity: ${#WORKLOADS[@]} workload(s) x ${#MODEL_LIST[@]} model(s), results in $FOLDER"
# The machine's own costs first (about 10 s): the report predicts each limit from them.
source "$ROOT/scripts/lib/calibrate.sh"
if calibrate_machine "$FOLDER"; then
  echo "capacity: this machine's costs (make calibrate): $FOLDER/calibration.json"
else
  echo "capacity: warning: the machine's costs were not measured (no predictions): $CALIBRATION_ERROR" >&2
fi
echo "capacity: $note"

LIVE_ARGS=()
source "$ROOT/scripts/lib/live.sh"
if [ -n "${LIVE:-}" ]; then
  items=""
  for w in "${WORKLOADS[@]}"; do for m in "${MODEL_LIST[@]}"; do items+="$w/$m "; done; done
  start_live_hub "$LIVE" "make capacity: ${#WORKLOADS[@]} workload(s) x ${#MODEL_LIST[@]} model(s)" "$items" \
    "workload,model,max rate within SLO (req/s),p99 at the knee (ms),what limited it first,status" "$FOLDER/logs" ||
    die "$LIVE_ERROR"
  LIVE_ARGS=(--live-hub "$LIVE_HUB")
  echo "capacity: live view of the whole job at $LIVE_URL"
fi

cells=0; t0=$(date +%s)
for w in "${WORKLOADS[@]}"; do
  prof="$PROFILES/$w.json"
  proto=$(jq -r .protocol "$prof")
  mapfile -t server_args < <(jq -r '.server_args[]' "$prof")
  mapfile -t lg_args < <(jq -r '.loadgen[]' "$prof")
  slo_args=(); while read -r s; do slo_args+=(--slo "$s"); done < <(jq -r '.slo[]' "$prof")
  sweep=$(jq -r '.sweep // "1,2,4,8,16,32,64"' "$prof")
  confirm=(); [ "$(jq -r '.confirm_users // false' "$prof")" = true ] && confirm=(--confirm-users)
  only=$(jq -r '.models // "all"' "$prof")
  mkdir -p "$FOLDER/$w"
  for model in "${MODEL_LIST[@]}"; do
    if [ "$only" = event_driven ] && ! grep -qw -- "$model" <<< "$EVENT_DRIVEN"; then continue; fi
    cells=$((cells + 1))
    log="$FOLDER/logs/$w.$model"
    if ! start_model "$log" "$model" "$proto" "${server_args[@]}"; then
      echo "capacity: $w/$model: the server did not start: $MODEL_FAILURE"
      live_failed "$w/$model" "the server did not start" "$w" "$model"
      continue
    fi
    echo "capacity: [$cells] $w / $model"
    out_args "capacity-$TS" "$model" "$w"
    "${LOADGEN_PIN[@]}" "$LOADGEN" capacity -H "http://127.0.0.1:$MODEL_PORT" "${lg_args[@]}" "${slo_args[@]}" \
      --sweep "$sweep" --sweep-step "$SWEEP_STEP" --warmup "$WARMUP" --measure "$MEASURE" --budget "$BUDGET" \
      --resolution "$RESOLUTION" "${confirm[@]}" "${LIVE_ARGS[@]}" "${OUT_ARGS[@]}" "${MODEL_LOADGEN_ARGS[@]}" --label "$model" \
      --workload-name "$w" --json "$FOLDER/$w/$model.json" \
      2>&1 | tee "$log.loadgen.err" | grep -E "^capacity\[.*\]: (found|below_first_step|client_bound|max_rate|budget|interrupted|not_run|users|USL|equivalent)" || true
    stop_model
    if [ -s "$FOLDER/$w/$model.json" ]; then
      note_server "$FOLDER/$w/$model.json"
    else
      echo "capacity: $w/$model: no document (see $log.loadgen.err)"
    fi
    [ "$STOP" != graceful ] && echo "capacity: $w/$model: server stop: $STOP (exit $STOP_CODE)"
    [ "$LEFTOVER" -gt 0 ] && echo "capacity: $w/$model: WARNING: $LEFTOVER leftover process(es) killed"
  done
done

end_live_hub
ln -sfn "$TS" "$RESULTS/capacity/latest"
echo
"$LOADGEN" capacity-report "$FOLDER" || exit 2
echo
echo "capacity: $cells searches in $(( $(date +%s) - t0 )) s; wrote $FOLDER/{summary.md,report.html}; results/capacity/latest -> $TS"
