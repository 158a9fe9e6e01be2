#!/usr/bin/env bash
# Copies the latest run's result files into results/baseline/ (the committed reference the
# nightly comparison uses). Run by `make baseline` after a quick-profile bench-all.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LATEST="$ROOT/results/latest"
[ -d "$LATEST" ] || { echo "update-baseline: no results/latest (run make bench-all first)" >&2; exit 2; }
profile=$(jq -r .profile "$LATEST/suite.json")
[ "$profile" = quick ] || { echo "update-baseline: the latest run used profile '$profile'; the baseline is the quick profile" >&2; exit 2; }
rm -rf "$ROOT/results/baseline"
mkdir -p "$ROOT/results/baseline"
cp "$LATEST"/*.json "$LATEST/summary.md" "$ROOT/results/baseline/"
echo "update-baseline: results/baseline now holds $(readlink "$LATEST"); commit it with a note on why"
