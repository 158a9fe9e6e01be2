#!/usr/bin/env bash
# Finds every model's capacity under every workload of the matrix (bench/profiles/capacity/):
# for each workload and model, starts the server with the workload's knobs (pinned to
# SERVER_CPUS), runs `loadgen capacity` (pinned to the other CPUs), records the server's side in
# the document, stops the server, and finally writes the answer table and report.
#   MATRIX="original backend-wait"   (default: every workload)     MODELS="epoll threadpool"
#   SERVER_CPUS=0 (default; 0,1 lets multi-threaded models use both CPUs, shared with loadgen)
#   WARMUP=1s MEASURE=2s SWEEP_STEP=500ms BUDGET=90s RESOLUTION=5%   (per step / per search)
#   LIVE=PORT: watch the whole search in a browser at http://127.0.0.1:PORT/ (every step live, the
#   answers as a table filling in; LIVE_LINGER=5m keeps the page that long after the job)
# Writes results/capacity/<UTC timestamp>/{capacity.json,<workload>/<model>.json,summary.md,
# report.html,logs/} and points results/capacity/latest at it.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/scripts/lib/server.sh"
source "$ROOT/scripts/lib/cgroup.sh"
BUILD=${BUILD:-build}
[[ "$BUILD" = /* ]] || BUILD="$ROOT/$BUILD"
SERVER="$BUILD/server/server"
LOADGEN="$BUILD/loadgen/loadgen"
RESULTS=${RESULTS:-$ROOT/results}
PROFILES="$ROOT/bench/profiles/capacity"
WARMUP=${WARMUP:-1s}; MEASURE=${MEASURE:-2s}; SWEEP_STEP=${SWEEP_STEP:-500ms}; BUDGET=${BUDGET:-90s}
RESOLUTION=${RESOLUTION:-5%}

die() { echo "capacity: $*" >&2; exit 2; }
[ -x "$SERVER" ] && [ -x "$LOADGEN" ] || die "build first: $SERVER or $LOADGEN is missing (run make capacity)"
command -v jq >/dev/null || die "jq is missing (scripts/install-deps.sh installs it)"
ALL_WORKLOADS="original idle-keepalive cpu-heavy backend-wait backend-wait-blocking large-replies"
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
if server_cgroup_open "lab-capacity-check-$$"; then
  server_cgroup_close
  CGROUPS=yes
else
  [ -n "${SERVER_CPU_LIMIT:-}" ] && die "SERVER_CPU_LIMIT=$SERVER_CPU_LIMIT: $CGROUP_ERROR"
  CGROUPS=no
  echo "capacity: warning: the server's CPU will not be measured: $CGROUP_ERROR" >&2
fi
SERVER_CPU_COUNT=$(awk -F, '{n = 0; for (i = 1; i <= NF; i++) { if ($i ~ /-/) { split($i, r, "-"); n += r[2] - r[1] + 1 } else n++ } print n}' <<< "${SERVER_CPUS:-0}")
SERVER_CPUS_AVAILABLE=${SERVER_CPU_LIMIT:-$SERVER_CPU_COUNT}

TS=$(date -u +%Y%m%dT%H%M%SZ)
OUT="$RESULTS/capacity/$TS"
mkdir -p "$OUT/logs" || die "cannot create $OUT"
note="Server pinned to CPU(s) ${SERVER_CPUS:-0} (${SERVER_PIN[*]:-not pinned})${SERVER_CPU_LIMIT:+, limited to $SERVER_CPU_LIMIT CPU (a CFS quota over ${SERVER_CPU_PERIOD_US} us periods, as a container limit)}, loadgen to ${LOADGEN_PIN[*]:-not pinned}; $(nproc) CPUs; per step ${WARMUP} warm-up + ${MEASURE} measured, resolution ${RESOLUTION}, sweep points ${SWEEP_STEP} each, at most ${BUDGET} per search."
jq -n --arg started "$TS" --argjson models "$(printf '%s\n' "${MODEL_LIST[@]}" | jq -R . | jq -s .)" \
  --argjson matrix "$(for w in "${WORKLOADS[@]}"; do cat "$PROFILES/$w.json"; done | jq -s .)" --arg note "$note" \
  '{started_at: $started, models: $models, matrix: $matrix, note: $note}' > "$OUT/capacity.json"
echo "capacity: ${#WORKLOADS[@]} workload(s) x ${#MODEL_LIST[@]} model(s), results in $OUT"
# The machine's own costs first (about 10 s): the report predicts each limit from them.
source "$ROOT/scripts/lib/calibrate.sh"
if calibrate_machine "$OUT"; then
  echo "capacity: this machine's costs (make calibrate): $OUT/calibration.json"
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
    "workload,model,max rate within SLO (req/s),p99 at the knee (ms),what limited it first,status" "$OUT/logs" ||
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
  mkdir -p "$OUT/$w"
  for model in "${MODEL_LIST[@]}"; do
    if [ "$only" = event_driven ] && ! grep -qw -- "$model" <<< "$EVENT_DRIVEN"; then continue; fi
    cells=$((cells + 1))
    log="$OUT/logs/$w.$model"
    cg_args=()
    if [ "$CGROUPS" = yes ]; then
      server_cgroup_open "lab-server-$$-$cells" || die "$w/$model: $CGROUP_ERROR"
      cg_args=(--server-cgroup "$SERVER_CG")
    fi
    "${SERVER_PIN[@]}" "${SERVER_CG_RUN[@]}" "$SERVER" --model "$model" --port 0 --protocol "$proto" --grace 2s "${server_args[@]}" \
      >"$log.server.out" 2>"$log.server.err" &
    spid=$!
    if ! port=$(wait_ready "$log.server.out" "$spid" 10); then
      echo "capacity: $w/$model: the server did not start: $(tail -2 "$log.server.err" | tr '\n' ' ')"
      live_failed "$w/$model" "the server did not start" "$w" "$model"
      kill -KILL "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
      server_cgroup_close
      continue
    fi
    echo "capacity: [$cells] $w / $model"
    "${LOADGEN_PIN[@]}" "$LOADGEN" capacity -H "http://127.0.0.1:$port" "${lg_args[@]}" "${slo_args[@]}" \
      --sweep "$sweep" --sweep-step "$SWEEP_STEP" --warmup "$WARMUP" --measure "$MEASURE" --budget "$BUDGET" \
      --resolution "$RESOLUTION" "${confirm[@]}" "${LIVE_ARGS[@]}" "${cg_args[@]}" --label "$model" --workload-name "$w" --json "$OUT/$w/$model.json" \
      2>&1 | tee "$log.loadgen.err" | grep -E "^capacity\[.*\]: (found|below_first_step|client_bound|max_rate|budget|interrupted|not_run|users|USL|equivalent)" || true
    stop_gracefully "$spid"
    server_cgroup_close
    if [ -s "$OUT/$w/$model.json" ]; then
      jq --argjson knobs "$(ready_json "$log.server.out")" --arg ready "$(head -1 "$log.server.out")" \
        --arg args "--model $model --protocol $proto --grace 2s ${server_args[*]}" --arg stop "$STOP" \
        --argjson code "$STOP_CODE" --argjson left "$LEFTOVER" --arg summary "$(grep '^server: stopped' "$log.server.err" | tail -1)" \
        --argjson cpus "$SERVER_CPUS_AVAILABLE" --arg limit "${SERVER_CPU_LIMIT:-}" --argjson period "$SERVER_CPU_PERIOD_US" \
        '.server = {knobs: $knobs, ready_line: $ready, args: $args, stop: $stop, exit_code: $code,
                    leftover_processes: $left, summary: $summary, cpus: $cpus,
                    cpu_limit: (if $limit == "" then null else ($limit | tonumber) end), cpu_period_us: $period}' "$OUT/$w/$model.json" > "$OUT/$w/$model.json.tmp" &&
        mv "$OUT/$w/$model.json.tmp" "$OUT/$w/$model.json"
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
"$LOADGEN" capacity-report "$OUT" || exit 2
echo
echo "capacity: $cells searches in $(( $(date +%s) - t0 )) s; wrote $OUT/{summary.md,report.html}; results/capacity/latest -> $TS"
