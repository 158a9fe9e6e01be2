#!/usr/bin/env bash
# make bench-distributed [SHARDS=3]: the shards of one workload run as separate hosts. Network
# namespaces make them here: the server in labd-srv (10.213.0.1, a bridge), each client shard in
# labd-cI (10.213.0.(10+I)) with its own address, ports and connection table, joined by veth
# pairs. Everything is created here and removed on exit; nothing leaves the test subnet.
#   1. The distributed run: SHARDS loadgen processes start together (--start-at), each runs its
#      part (--shard I/N), `loadgen merge` makes one result.
#   2. Why distribute: each client namespace gets PORTS ephemeral ports (ip_local_port_range is
#      per namespace, a model of one address's ~28k at a rate this 2-CPU machine can drive);
#      a new-connection-per-request rate whose TIME_WAIT outlives one client's ports fails from
#      one client (out_of_ephemeral_ports) and runs cleanly from SHARDS.
# Results: results/distributed/<UTC>/ (shard JSONs, merged.json, summary.md).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SHARDS=${SHARDS:-3}
RATE=${RATE:-1500}            # 1. requests/s in total, keep-alive
DURATION=${DURATION:-10s}
PORT_RATE=${PORT_RATE:-300}   # 2. new connections/s in total, the client closing first
PORT_DURATION=${PORT_DURATION:-8s}
PORTS=${PORTS:-1000}
LG=$(readlink -f "$BUILD/loadgen/loadgen")
SRV=$(readlink -f "$BUILD/server/server")
[ -x "$LG" ] && [ -x "$SRV" ] || { echo "bench-distributed: build first (make tools)" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "bench-distributed: network namespaces need root" >&2; exit 2; }
[[ "$SHARDS" =~ ^[0-9]+$ ]] && [ "$SHARDS" -ge 1 ] && [ "$SHARDS" -le 50 ] ||
  { echo "bench-distributed: SHARDS must be 1..50" >&2; exit 2; }
command -v ip >/dev/null || { echo "bench-distributed: 'ip' (iproute2) is missing" >&2; exit 2; }

run=$(date -u +%Y%m%dT%H%M%SZ)
out=results/distributed/$run
mkdir -p "$out"
ln -sfn "$run" results/distributed/latest
SRV_NS=labd-srv
SERVER_IP=10.213.0.1
# The server's lifecycle is every job's (scripts/lib/model_run.sh), started inside its namespace.
source scripts/lib/server.sh
source scripts/lib/cgroup.sh
source scripts/lib/model_run.sh
SERVER=$SRV
SERVER_PREFIX=(ip netns exec "$SRV_NS")
MODEL_PID=""

cleanup() {
  if [ -n "$MODEL_PID" ]; then stop_model || true; fi
  for ns in $(ip netns list | awk '{print $1}' | grep -E '^labd-' || true); do ip netns del "$ns" 2>/dev/null || true; done
}
trap cleanup EXIT
cleanup  # a previous run interrupted hard

# The server's host: a bridge on the test subnet.
ip netns add "$SRV_NS"
ip -n "$SRV_NS" link set lo up
ip -n "$SRV_NS" link add br0 type bridge
ip -n "$SRV_NS" addr add "$SERVER_IP/24" dev br0
ip -n "$SRV_NS" link set br0 up
# SHARDS client hosts, and one more for the single-client port run (TIME_WAIT is per host: the
# ports one run leaves held must not count against the next).
for i in $(seq 0 "$SHARDS"); do
  ns=labd-c$i
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip link add "labd-v$i" type veth peer name eth0 netns "$ns"
  ip link set "labd-v$i" netns "$SRV_NS"
  ip -n "$SRV_NS" link set "labd-v$i" master br0 up
  ip -n "$ns" addr add "10.213.0.$((10 + i))/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip netns exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="40000 $((40000 + PORTS - 1))"
done
echo "bench-distributed: server $SERVER_IP in $SRV_NS; client hosts labd-c0..labd-c$SHARDS, $PORTS ephemeral ports each"

start_model "$out/epoll" epoll http11 --host "$SERVER_IP" --port 8080 ||
  { echo "bench-distributed: the server did not start: $MODEL_FAILURE" >&2; exit 1; }
for i in $(seq 0 "$SHARDS"); do
  ip netns exec "labd-c$i" timeout 2 bash -c "exec 3<>/dev/tcp/$SERVER_IP/8080" ||
    { echo "bench-distributed: labd-c$i cannot reach $SERVER_IP:8080" >&2; exit 1; }
done

# run_shards NAME COUNT FIRST_HOST ARGS...: COUNT shards of one workload on the hosts
# labd-c(FIRST_HOST + I), started together; merges them.
run_shards() {
  local name=$1 count=$2 first=$3; shift 3
  local at pids=() files=() i rc=0
  at=$(date -u -d "@$(( $(date +%s) + 2 ))" +%Y-%m-%dT%H:%M:%SZ)
  mkdir -p "$out/$name"
  for i in $(seq 0 $((count - 1))); do
    files+=("$out/$name/shard-$i.json")
    ip netns exec "labd-c$((first + i))" "$LG" -H "http://$SERVER_IP:8080/" --shard "$i/$count" --start-at "$at" \
      --label "$name" -q --json "$out/$name/shard-$i.json" "$@" 2> "$out/$name/shard-$i.err" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || true; done
  "$LG" merge "${files[@]}" --json "$out/$name.json" --csv "$out/$name" 2> "$out/$name.merge.err" || rc=$?
  cat "$out/$name.merge.err" >&2
  return $rc
}

echo "== 1. $SHARDS shards, keep-alive, $RATE requests/s in total for $DURATION"
run_shards distributed "$SHARDS" 0 --rate "$RATE" -u $((SHARDS * 8)) -t "$DURATION" --keepalive
echo "== 2. a new connection per request, the client closing first, $PORT_RATE/s for $PORT_DURATION: one client, then $SHARDS"
run_shards ports-1-client 1 "$SHARDS" --rate "$PORT_RATE" -u 32 -t "$PORT_DURATION" --header "Connection: keep-alive" \
  --abort-after 0 || true
run_shards "ports-$SHARDS-clients" "$SHARDS" 0 --rate "$PORT_RATE" -u 32 -t "$PORT_DURATION" \
  --header "Connection: keep-alive" --abort-after 0 || true

row() {  # NAME: a table row from the merged result
  jq -r --arg n "$1" '[$n, (.shard.merged | length), .summary.requests, .summary.failures,
    ((.summary.rps * 10 | round) / 10), (.summary.percentiles_ms["99"] // "-" | if type == "number" then (. * 1000 | round) / 1000 else . end),
    ([.errors[] | "\(.kind) \(.count)"] | join(", ") | if . == "" then "-" else . end),
    (.shard.start_skew_ms // 0 | . * 10 | round / 10)] | "| " + join(" | ") + " |"' "$out/$1.json"
}
{
  echo "# Distributed run ($run)"
  echo
  echo "Server: epoll, http11, in its own network namespace ($SERVER_IP). Clients: one namespace per"
  echo "shard, $PORTS ephemeral ports each. Command: \`make bench-distributed SHARDS=$SHARDS\`."
  echo
  echo "| run | shards | requests | failures | requests/s | p99 ms | errors | start skew ms (max) |"
  echo "|---|---:|---:|---:|---:|---:|---|---:|"
  row distributed
  row ports-1-client
  row "ports-$SHARDS-clients"
} > "$out/summary.md"
cat "$out/summary.md"
echo "bench-distributed: results in $out"
