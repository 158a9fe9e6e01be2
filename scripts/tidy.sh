#!/usr/bin/env bash
# clang-tidy over the product code (common/, server/, loadgen/) with the checks of .clang-tidy,
# using the compile commands of the build directory ($1, default build). Fails on any finding.
# Boost 1.74 looks for <experimental/coroutine> under clang; the defines point it at C++20's.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
[ -f "$build/compile_commands.json" ] || { echo "tidy: $build/compile_commands.json is missing (run make build first)" >&2; exit 2; }
runner=$(command -v run-clang-tidy || command -v run-clang-tidy-14 || true)
[ -n "$runner" ] || { echo "tidy: run-clang-tidy not found (apt-get install clang-tidy)" >&2; exit 2; }
mapfile -t files < <(git ls-files 'common/*.cpp' 'server/*.cpp' 'loadgen/*.cpp')
"$runner" -quiet -p "$build" -j "$(nproc)" \
  -extra-arg=-DBOOST_ASIO_HAS_CO_AWAIT -extra-arg=-DBOOST_ASIO_HAS_STD_COROUTINE \
  "${files[@]}" > /tmp/lab-tidy.log 2>&1 || true
if grep -E "(warning|error): " /tmp/lab-tidy.log | grep -v "warnings generated" > /tmp/lab-tidy.findings; then
  sort -u /tmp/lab-tidy.findings >&2
  echo "tidy: $(sort -u /tmp/lab-tidy.findings | wc -l) findings (checks in .clang-tidy; full log /tmp/lab-tidy.log)" >&2
  exit 1
fi
echo "tidy: ${#files[@]} files clean"
