# One model's lifecycle, as every job that starts servers runs it (bench-all.sh, capacity.sh,
# bench-distributed.sh): start the server (pinned, in a cgroup of its own when it can have one,
# through a prefix such as `ip netns exec NS`), wait for its ready line, and afterwards stop it,
# check nothing it started is left, close its cgroup, and note its side of the story in the
# result document, with the same keys in every job. Needs lib/server.sh and lib/cgroup.sh.
#
#   SERVER          the server executable
#   SERVER_PIN      (array) the taskset prefix (pin_prefixes), may be empty
#   SERVER_PREFIX   (array) a prefix before it all (e.g. ip netns exec labd-srv), may be empty
#   MODEL_CGROUPS   yes: a cgroup per server (model_cgroups_check decides), else no
#   GRACE           the server's --grace (3s): how long it finishes its connections at a stop
#   READY_TIMEOUT   seconds to wait for the ready line (10)
GRACE=${GRACE:-3s}
READY_TIMEOUT=${READY_TIMEOUT:-10}
MODEL_CGROUPS=${MODEL_CGROUPS:-no}
SERVER_PREFIX=(${SERVER_PREFIX[@]+"${SERVER_PREFIX[@]}"})

# model_cgroups_check JOB: whether servers can have cgroups here (MODEL_CGROUPS=yes|no). With
# SERVER_CPU_LIMIT set and no cgroups it fails, with CGROUP_ERROR; without a limit it warns.
model_cgroups_check() {
  if server_cgroup_open "lab-$1-check-$$"; then
    server_cgroup_close
    MODEL_CGROUPS=yes
    return 0
  fi
  MODEL_CGROUPS=no
  [ -n "${SERVER_CPU_LIMIT:-}" ] && { CGROUP_ERROR="SERVER_CPU_LIMIT=$SERVER_CPU_LIMIT: $CGROUP_ERROR"; return 1; }
  echo "$1: warning: the server's CPU will not be measured: $CGROUP_ERROR" >&2
  return 0
}

# start_model LOGBASE MODEL PROTOCOL [SERVER ARGS...]: starts the server (on an ephemeral port
# unless the arguments give --port), its output in LOGBASE.server.{out,err}. On success sets
# MODEL_PID, MODEL_PORT, MODEL_ARGS (its arguments as text, for the note) and MODEL_LOADGEN_ARGS
# (loadgen's --server-cgroup, when it has one). Returns 1 with MODEL_FAILURE set, the server
# stopped and its cgroup closed, when it never became ready.
start_model() {
  local logbase=$1 model=$2 proto=$3; shift 3
  local args=(--model "$model" --protocol "$proto" --grace "$GRACE" "$@") code
  [[ " $* " == *" --port "* ]] || args+=(--port 0)
  MODEL_PID=""; MODEL_PORT=""; MODEL_FAILURE=""; MODEL_LOADGEN_ARGS=(); MODEL_LOG=$logbase
  MODEL_ARGS="${args[*]}"
  SERVER_CG_RUN=()
  if [ "$MODEL_CGROUPS" = yes ]; then
    server_cgroup_open "lab-server-$$-$RANDOM$RANDOM" || { MODEL_FAILURE="$CGROUP_ERROR"; return 1; }
    MODEL_LOADGEN_ARGS=(--server-cgroup "$SERVER_CG")
  fi
  "${SERVER_PREFIX[@]}" ${SERVER_PIN[@]+"${SERVER_PIN[@]}"} ${SERVER_CG_RUN[@]+"${SERVER_CG_RUN[@]}"} \
    "$SERVER" "${args[@]}" >"$logbase.server.out" 2>"$logbase.server.err" &
  MODEL_PID=$!
  if MODEL_PORT=$(wait_ready "$logbase.server.out" "$MODEL_PID" "$READY_TIMEOUT"); then return 0; fi
  if kill -0 "$MODEL_PID" 2>/dev/null; then
    MODEL_FAILURE="never printed its ready line within ${READY_TIMEOUT}s"
    kill -KILL "$MODEL_PID" 2>/dev/null
    wait "$MODEL_PID" 2>/dev/null
  else
    wait "$MODEL_PID"; code=$?
    MODEL_FAILURE="exited with code $code before becoming ready: $(tail -3 "$logbase.server.err" | tr '\n' ' ')"
  fi
  server_cgroup_close
  return 1
}

# stop_model: SIGTERM, its grace, SIGKILL; nothing it started may be left; its cgroup closed.
# Sets STOP (graceful|killed|crashed), STOP_CODE and LEFTOVER (lib/server.sh).
stop_model() {
  stop_gracefully "$MODEL_PID"
  server_cgroup_close
}

# note_server JSON [--status-on-crash]: the server's side of the story in the document, and
# what reproduces it: its arguments, its ready line and the knobs it states there, how it
# stopped, the CPUs it had and its CPU limit. --status-on-crash: a run document that was ok
# becomes server_crashed when the server crashed during it.
note_server() {
  local json=$1 on_crash=false cpu_count
  [ "${2:-}" = --status-on-crash ] && on_crash=true
  cpu_count=$(awk -F, '{n = 0; for (i = 1; i <= NF; i++) { if ($i ~ /-/) { split($i, r, "-"); n += r[2] - r[1] + 1 } else n++ } print n}' <<< "${SERVER_CPUS:-0}")
  jq --argjson knobs "$(ready_json "$MODEL_LOG.server.out")" --arg ready "$(head -1 "$MODEL_LOG.server.out")" \
    --arg args "$MODEL_ARGS" --arg stop "$STOP" --argjson code "$STOP_CODE" --argjson left "$LEFTOVER" \
    --arg summary "$(grep '^server: stopped' "$MODEL_LOG.server.err" | tail -1)" \
    --argjson cpus "${SERVER_CPU_LIMIT:-$cpu_count}" --arg limit "${SERVER_CPU_LIMIT:-}" \
    --argjson period "$SERVER_CPU_PERIOD_US" --argjson on_crash "$on_crash" \
    '.server = {knobs: $knobs, ready_line: $ready, args: $args, stop: $stop, exit_code: $code,
                leftover_processes: $left, summary: $summary, cpus: $cpus,
                cpu_limit: (if $limit == "" then null else ($limit | tonumber) end), cpu_period_us: $period}
     | if $on_crash and $stop == "crashed" and .status == "ok" then .status = "server_crashed"
         | .error = "server crashed during the run (exit \($code))" else . end' \
    "$json" > "$json.tmp" && mv "$json.tmp" "$json"
}
