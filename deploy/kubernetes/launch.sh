#!/usr/bin/env bash
# Runs one distributed load test on Kubernetes: renders the manifests for N shards and a common
# start time, applies them with kubectl, waits for the shards, runs the merge, and keeps the
# merged result (plus the rendered manifests) in a local folder.
#
#   deploy/kubernetes/launch.sh --image REGISTRY/loadlab:TAG --shards 3 [--start-in 60] \
#       [--namespace NS] [--cpu 1] [--out DIR] [--render-only] [--with-prometheus | --prometheus URL] \
#       -- -H https://app.example/ -u 3000 -t 5m ...
#
# Everything after -- is the workload, passed to every shard unchanged (loadgen's options);
# each shard adds --shard-count N (its index comes from JOB_COMPLETION_INDEX), --start-at and
# --json. --render-only writes the manifests to --out and applies nothing (no cluster needed).
# --prometheus URL: every shard pushes its seconds there (loadgen --out prometheus=URL; its series
# carry testid=RUN and shard=INDEX); --with-prometheus also deploys one (prometheus.yaml) and
# pushes to its Service.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
IMAGE="" SHARDS="" START_IN=60 NS="" CPU=1 OUT="" RENDER_ONLY=0 WORKLOAD=() PROM_URL="" WITH_PROM=0
usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --image) IMAGE=$2; shift 2 ;;
    --shards) SHARDS=$2; shift 2 ;;
    --start-in) START_IN=$2; shift 2 ;;
    --namespace) NS=$2; shift 2 ;;
    --cpu) CPU=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --render-only) RENDER_ONLY=1; shift ;;
    --prometheus) PROM_URL=$2; shift 2 ;;
    --with-prometheus) WITH_PROM=1; PROM_URL=http://loadlab-prometheus:9090/api/v1/write; shift ;;
    --) shift; WORKLOAD=("$@"); break ;;
    -h|--help) usage ;;
    *) echo "launch: unknown option '$1'" >&2; usage ;;
  esac
done
[ -n "$IMAGE" ] || { echo "launch: --image is required (the image built from deploy/kubernetes/Dockerfile)" >&2; exit 2; }
[[ "$SHARDS" =~ ^[1-9][0-9]*$ ]] || { echo "launch: --shards must be a positive number" >&2; exit 2; }
[[ "$START_IN" =~ ^[0-9]+$ ]] || { echo "launch: --start-in must be whole seconds" >&2; exit 2; }
[ ${#WORKLOAD[@]} -gt 0 ] || { echo "launch: give the workload after --, e.g. -- -H http://app:8080/ -u 300 -t 2m" >&2; exit 2; }
for a in "${WORKLOAD[@]}"; do
  case "$a" in --shard|--shard=*|--shard-count*|--start-at*|--run-id*|--json*) echo "launch: '$a' is set by the launcher" >&2; exit 2 ;; esac
done
command -v jq >/dev/null || { echo "launch: jq is needed to render the arguments" >&2; exit 2; }

RUN=$(date -u +%Y%m%dt%H%M%Sz)  # lower case: a Kubernetes name
START_AT=$(date -u -d "@$(( $(date +%s) + START_IN ))" +%Y-%m-%dT%H:%M:%SZ)
OUT=${OUT:-results/kubernetes/$RUN}
mkdir -p "$OUT"
PUSH=(); [ -n "$PROM_URL" ] && PUSH=(--out "prometheus=$PROM_URL")
ARGS=$(printf '%s\n' "${WORKLOAD[@]}" "${PUSH[@]}" --shard-count "$SHARDS" --start-at "$START_AT" --run-id "$RUN" \
  --json "/results/$RUN/shard-\$(JOB_COMPLETION_INDEX).json" -q | jq -R . | jq -cs .)
render() {  # TEMPLATE -> OUT/TEMPLATE with the run's values
  local v
  v=$(cat "$here/$1")
  v=${v//'${RUN}'/$RUN}; v=${v//'${SHARDS}'/$SHARDS}; v=${v//'${IMAGE}'/$IMAGE}
  v=${v//'${CPU}'/$CPU}; v=${v//'${ARGS}'/$ARGS}
  printf '%s\n' "$v" > "$OUT/$1"
}
for f in pvc.yaml shards-job.yaml merge-job.yaml; do render "$f"; done
[ "$WITH_PROM" -eq 1 ] && render prometheus.yaml
echo "launch: run $RUN, $SHARDS shards starting at $START_AT; manifests in $OUT"
[ "$RENDER_ONLY" -eq 1 ] && exit 0

kc=(kubectl); [ -n "$NS" ] && kc+=(-n "$NS")
if [ "$WITH_PROM" -eq 1 ]; then
  "${kc[@]}" apply -f "$OUT/prometheus.yaml"
  "${kc[@]}" rollout status deployment/loadlab-prometheus --timeout=120s
fi
"${kc[@]}" apply -f "$OUT/pvc.yaml"
"${kc[@]}" apply -f "$OUT/shards-job.yaml"
# The run's length from -t/--run-time (default 60s), plus the wait for the start and a margin.
rt=60
for ((i = 0; i < ${#WORKLOAD[@]}; i++)); do
  case "${WORKLOAD[$i]}" in -t|--run-time) rt=$(echo "${WORKLOAD[$((i + 1))]}" | sed -E 's/h/*3600+/;s/m/*60+/;s/s//;s/\+$//' | bc) ;; esac
done
deadline=$((START_IN + rt + 300))
echo "launch: waiting up to ${deadline}s for the shards"
"${kc[@]}" wait --for=condition=complete "job/loadlab-$RUN-shards" --timeout="${deadline}s" ||
  echo "launch: the shards' Job did not complete: some shard failed; the merge will name it" >&2
"${kc[@]}" apply -f "$OUT/merge-job.yaml"
"${kc[@]}" wait --for=condition=complete "job/loadlab-$RUN-merge" --timeout=300s || true
"${kc[@]}" logs "job/loadlab-$RUN-merge" > "$OUT/merged.log"
sed -n '/^{/,$p' "$OUT/merged.log" > "$OUT/merged.json"
if command -v loadgen >/dev/null; then loadgen summary "$OUT/merged.json" || true; fi
echo "launch: merged result in $OUT/merged.json"
