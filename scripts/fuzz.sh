#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) and runs each for FUZZ_SECONDS (default
# 60) from the committed corpus in tests/fuzz/corpus/ (new inputs go to a scratch copy, so the
# committed corpus only changes on purpose). Crashes land in tests/fuzz/crashes/ and fail the run.
# FUZZ_CORPUS_DIR=DIR keeps the working corpus in DIR/<target> across runs (the nightly job
# caches it), seeded from the committed corpus.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SECONDS_EACH=${FUZZ_SECONDS:-60}
OUT="$ROOT/build-fuzz"
CXX=${FUZZ_CXX:-clang++}
command -v "$CXX" >/dev/null || { echo "fuzz: $CXX not found (scripts/install-deps.sh --fuzz installs clang)" >&2; exit 2; }
mkdir -p "$OUT" "$ROOT/tests/fuzz/crashes"
FLAGS=(-std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I"$ROOT"
       -DLAB_VERSION=\"fuzz\" -DLAB_GIT_SHA=\"fuzz\")
declare -A SOURCES=(
  [request_parser]="common/http/request_parser.cpp"
  [response_parser]="common/http/response_parser.cpp"
  [result_json]="common/result.cpp common/histogram.cpp"
  [duration]="common/duration.cpp"
  [h2_response]="loadgen/client/h2/session.cpp"
)
declare -A LIBS=([h2_response]="-lnghttp2")
status=0
for target in request_parser response_parser result_json duration h2_response; do
  srcs=()
  for s in ${SOURCES[$target]}; do srcs+=("$ROOT/$s"); done
  "$CXX" "${FLAGS[@]}" "$ROOT/tests/fuzz/${target}_fuzz.cpp" "${srcs[@]}" ${LIBS[$target]:-} -o "$OUT/${target}_fuzz"
  if [ -n "${FUZZ_CORPUS_DIR:-}" ]; then
    scratch="$FUZZ_CORPUS_DIR/$target"
    mkdir -p "$scratch"
  else
    scratch="$OUT/corpus-$target"
    rm -rf "$scratch"; mkdir -p "$scratch"
  fi
  cp "$ROOT/tests/fuzz/corpus/$target/"* "$scratch/" 2>/dev/null || true
  echo "fuzz: $target for ${SECONDS_EACH}s"
  if ! "$OUT/${target}_fuzz" -max_total_time="$SECONDS_EACH" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix="$ROOT/tests/fuzz/crashes/${target}-" -print_final_stats=1 "$scratch" \
       > "$OUT/$target.log" 2>&1; then
    echo "fuzz: $target FAILED; see $OUT/$target.log and tests/fuzz/crashes/" >&2
    tail -30 "$OUT/$target.log" >&2
    status=1
  else
    grep -E "^stat::(number_of_executed_units|peak_rss_mb)|Done [0-9]+ runs" "$OUT/$target.log" | tr '\n' ' '; echo
  fi
done
exit $status
