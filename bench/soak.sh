#!/usr/bin/env bash
# Soak: the seed workload against each event-driven model for SOAK (default 10m), sampling the
# server's RSS and open fds every 10 s. Prints the samples and, per model, first/last/max of
# both after the ramp, so growth shows. MODELS="select poll epoll epoll-et reuseport asio uring".
set -euo pipefail
source "$(dirname "$0")/lib.sh"
need jq
MODELS=${MODELS:-"select poll epoll epoll-et reuseport asio uring"}; SOAK=${SOAK:-10m}
for model in $MODELS; do
  start_server "$model" seed
  json=$(mktemp --suffix .json)
  taskset -c "$CLIENT_CPU" "$LOADGEN" -H "http://127.0.0.1:$SRV_PORT/" -u 10000 -r 1000 -t "$SOAK" -q --json "$json" &
  lg=$!
  samples=()
  t=0
  while kill -0 "$lg" 2>/dev/null; do
    sleep 10; t=$((t + 10))
    kill -0 "$lg" 2>/dev/null || break
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$SRV_PID/status")
    fds=$(ls "/proc/$SRV_PID/fd" | wc -l)
    samples+=("$t $rss $fds")
    echo "$model t=${t}s rss=${rss}kB fds=$fds"
  done
  wait "$lg" || true
  stop_server
  printf '%s\n' "${samples[@]}" | awk -v m="$model" -v req="$(jq .summary.requests "$json")" -v f="$(jq .summary.failures "$json")" '
    $1 >= 30 { if (!n++) { r0 = $2; f0 = $3 } r1 = $2; f1 = $3; if ($2 > rmax) rmax = $2; if ($3 > fmax) fmax = $3 }
    END { printf "%s: %d requests, %d failures; after the ramp RSS %d -> %d kB (max %d), fds %d -> %d (max %d)\n", m, req, f, r0, r1, rmax, f0, f1, fmax }'
  rm -f "$json"
done
