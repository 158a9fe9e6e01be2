# The live page of a whole job (sourced by bench-all.sh and capacity.sh): a `loadgen live-hub`
# that the job's runs send their events to, with a random token only this job knows.
#   start_live_hub PORT TITLE ITEMS COLUMNS LOGDIR   sets LIVE_URL, LIVE_HUB (ADDR:PORT) and exports
#                                                     LOADGEN_LIVE_TOKEN; 1 with LIVE_ERROR on failure
#   live_failed ITEM WHY [CELL...]                    the job's table gets ITEM's row (CELLs first, else
#                                                     ITEM): FAILED, and why (a run that never
#                                                     started sends no events)
#   end_live_hub                                      posts the job's end, then stops the hub (after
#                                                     LIVE_LINGER when set)
# The hub never outlives the script: an exit before end_live_hub stops it.
LIVE_PID=""
start_live_hub() {
  local port=$1 title=$2 items=$3 columns=$4 logs=$5 i
  LIVE_COLUMNS=$(awk -F, '{ print NF }' <<< "$columns")
  LOADGEN_LIVE_TOKEN=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
  export LOADGEN_LIVE_TOKEN
  "$LOADGEN" live-hub --live "$port" --title "$title" --items "$items" --columns "$columns" \
    --linger "${LIVE_LINGER:-0}" >"$logs/live-hub.out" 2>"$logs/live-hub.err" &
  LIVE_PID=$!
  for i in $(seq 1 100); do
    LIVE_URL=$(head -1 "$logs/live-hub.out" 2>/dev/null)
    [ -n "$LIVE_URL" ] && break
    kill -0 "$LIVE_PID" 2>/dev/null || break
    sleep 0.05
  done
  if [ -z "$LIVE_URL" ]; then
    LIVE_ERROR="LIVE=$port: the live hub did not start: $(tail -2 "$logs/live-hub.err" | tr '\n' ' ')"
    kill "$LIVE_PID" 2>/dev/null; LIVE_PID=""
    return 1
  fi
  LIVE_HUB=$(sed -E 's|^http://([^/]*)/.*|\1|' <<< "$LIVE_URL")
  trap '[ -z "$LIVE_PID" ] || kill -TERM "$LIVE_PID" 2>/dev/null' EXIT
}
live_post() {  # TYPE DATA_JSON
  [ -n "$LIVE_PID" ] || return 0
  curl -s -o /dev/null -X POST -H "X-Loadlab-Token: $LOADGEN_LIVE_TOKEN" -H 'Content-Type: application/json' \
    --data-binary "$(jq -cn --arg type "$1" --argjson data "$2" '{type: $type, data: $data}')" "${LIVE_URL}ingest" || true
}
live_failed() {  # ITEM WHY [CELL...]: the row's leading cells (default ITEM)
  local item=$1 why=$2 lead
  shift 2
  [ $# -gt 0 ] || set -- "$item"
  lead=$(printf '%s\n' "$@" | jq -R . | jq -cs .)
  live_post end "$(jq -cn --arg item "$item" --arg why "$why" --argjson lead "$lead" --argjson n "$LIVE_COLUMNS" \
    '{job_item: $item, status: "failed", status_text: ("FAILED: " + $why), error: $why,
      row: ($lead + [range($lead | length; $n - 1) | "-"] + ["FAILED: " + $why])}')"
}
end_live_hub() {
  [ -n "$LIVE_PID" ] || return 0
  live_post job-end '{}'
  if [ -n "${LIVE_LINGER:-}" ] && [ "${LIVE_LINGER}" != 0 ]; then
    echo "live: the page stays at $LIVE_URL for $LIVE_LINGER (Ctrl-C ends it)"
    wait "$LIVE_PID" 2>/dev/null
  else
    kill -TERM "$LIVE_PID" 2>/dev/null; wait "$LIVE_PID" 2>/dev/null
  fi
  LIVE_PID=""
}
