#!/usr/bin/env bash
# Renders the Kubernetes manifests (deploy/kubernetes/launch.sh --render-only) and validates them
# offline against the Kubernetes schemas with npm's kubernetes-models (no cluster needed; Debian's
# kubectl cannot validate without one). The npm packages are installed once into a cache folder.
set -euo pipefail
cd "$(dirname "$0")/../.."
cache=${LAB_NPM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/loadlab-kubernetes-models}
command -v node >/dev/null && command -v npm >/dev/null ||
  { echo "validate-kubernetes: node and npm are needed (apt-get install nodejs npm)" >&2; exit 2; }
if [ ! -d "$cache/node_modules/kubernetes-models" ] || [ ! -d "$cache/node_modules/js-yaml" ]; then
  mkdir -p "$cache"
  (cd "$cache" && [ -f package.json ] || echo '{"name":"loadlab-k8s-validate","private":true}' > package.json)
  (cd "$cache" && npm install --no-audit --no-fund --silent kubernetes-models@5 js-yaml@4) ||
    { echo "validate-kubernetes: npm install failed" >&2; exit 1; }
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for n in 1 3; do
  bash deploy/kubernetes/launch.sh --render-only --image registry.example/loadlab:test --shards "$n" --out "$out/$n" \
    -- -H http://app.example:8080/ -u 300 -r 50 -t 2m --wait-min 1 --wait-max 5 > /dev/null
  node deploy/kubernetes/validate.mjs "$out/$n" "$cache/node_modules"
done
# A shard pushing to a Prometheus deployed beside it (--with-prometheus).
bash deploy/kubernetes/launch.sh --render-only --image registry.example/loadlab:test --shards 3 --with-prometheus \
  --out "$out/prom" -- -H http://app.example:8080/ -u 300 -t 2m > /dev/null
node deploy/kubernetes/validate.mjs "$out/prom" "$cache/node_modules"
grep -q '"--out","prometheus=http://loadlab-prometheus:9090/api/v1/write"' "$out/prom/shards-job.yaml" ||
  { echo "validate-kubernetes: the shards do not push to the Prometheus Service" >&2; exit 1; }
cp -r "$out/prom" "$out/prom-bad"
sed -i '/^kind: Service/,$ s/loadlab\/role: prometheus$/loadlab\/role: other/' "$out/prom-bad/prometheus.yaml"
if node deploy/kubernetes/validate.mjs "$out/prom-bad" "$cache/node_modules" 2> /dev/null; then
  echo "validate-kubernetes: a Prometheus Service that selects no pod was accepted" >&2; exit 1
fi
# The validator must be able to fail: a manifest with a wrong type, and one that breaks the design.
cp -r "$out/3" "$out/bad"
sed -i 's/^  parallelism: 3$/  parallelism: "three"/' "$out/bad/shards-job.yaml"
if node deploy/kubernetes/validate.mjs "$out/bad" "$cache/node_modules" 2> /dev/null; then
  echo "validate-kubernetes: a Job with parallelism \"three\" was accepted" >&2; exit 1
fi
cp -r "$out/3" "$out/restarts"
sed -i 's/^  backoffLimitPerIndex: 0$/  backoffLimitPerIndex: 2/' "$out/restarts/shards-job.yaml"
if node deploy/kubernetes/validate.mjs "$out/restarts" "$cache/node_modules" 2> /dev/null; then
  echo "validate-kubernetes: a Job that restarts shards was accepted" >&2; exit 1
fi
echo "validate-kubernetes: the rendered manifests validate; broken ones are refused"
