# Starting and stopping `server` from the scripts (sourced by bench-all.sh, capacity.sh and
# bench/lib.sh): one place that reads the ready line.
#
# The ready line is the server's first line of output:
#   listening 127.0.0.1:PORT model=M protocol=P pid=N keepalive=yes event_driven=yes work_us=0 ...
# ready_port FILE prints PORT once the line is there (nothing before);
# ready_field FILE KEY prints the value of KEY=VALUE.
ready_port() { sed -nE '1s/^listening [0-9.]+:([0-9]+)( .*)?$/\1/p' "$1" 2>/dev/null; }
ready_field() { sed -nE "1s/.* $2=([^ ]*).*/\\1/p" "$1" 2>/dev/null; }
# The ready line's key=value pairs as a JSON object (numbers stay numbers).
ready_json() {
  head -1 "$1" | tr ' ' '\n' | grep '=' | jq -R 'split("=") | {(.[0]): (.[1] | (tonumber? // .))}' | jq -s 'add // {}'
}

# wait_ready OUTFILE PID TIMEOUT_S: waits for the ready line; prints the port, or returns 1
# (the server exited, or said nothing in time).
wait_ready() {
  local out=$1 pid=$2 timeout=$3 port="" i
  for i in $(seq 1 $((timeout * 20))); do
    port=$(ready_port "$out")
    [ -n "$port" ] && { echo "$port"; return 0; }
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

descendants() {  # pid -> all descendant pids
  local kids; kids=$(pgrep -P "$1" 2>/dev/null || true)
  for k in $kids; do echo "$k"; descendants "$k"; done
}

# stop_gracefully PID: SIGTERM, up to 10 s, then SIGKILL; sets STOP (graceful|killed|crashed),
# STOP_CODE (the exit code) and LEFTOVER (descendants still alive afterwards, killed).
stop_gracefully() {
  local pid=$1 kids k
  kids=$(descendants "$pid")
  STOP=graceful
  if ! kill -0 "$pid" 2>/dev/null; then
    STOP=crashed
  else
    kill -TERM "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then STOP=killed; kill -KILL "$pid"; fi
  fi
  wait "$pid" 2>/dev/null; STOP_CODE=$?
  LEFTOVER=0
  for k in $kids; do
    if kill -0 "$k" 2>/dev/null; then LEFTOVER=$((LEFTOVER + 1)); kill -KILL "$k" 2>/dev/null; fi
  done
}

# pin_prefixes: SERVER_PIN / LOADGEN_PIN arrays for taskset, from SERVER_CPUS (default 0) and
# LOADGEN_CPUS (default: the CPUs the server does not use, else 1) on machines with 2+ CPUs.
pin_prefixes() {
  SERVER_PIN=(); LOADGEN_PIN=()
  if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
    local scpus=${SERVER_CPUS:-0} lcpus=${LOADGEN_CPUS:-}
    if [ -z "$lcpus" ]; then  # every CPU the server does not use (no process substitution: no stray children)
      local c
      for c in $(seq 0 $(($(nproc) - 1))); do
        case ",$scpus," in *",$c,"*) ;; *) lcpus+="${lcpus:+,}$c" ;; esac
      done
      [ -n "$lcpus" ] || lcpus=1
    fi
    SERVER_PIN=(taskset -c "$scpus"); LOADGEN_PIN=(taskset -c "$lcpus")
  fi
}
