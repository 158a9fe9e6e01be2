#!/usr/bin/env bash
# Renders RUN_DIR/report.html in headless Chromium (Debian's chromium) to RUN_DIR/report.png and
# checks the charts against the JSON: every model's requests/s bar and p50/p95/p99 bars in the
# rendered DOM must carry the values of its result file (the repeats' medians when the run was
# repeated), and every repeated model's whiskers its min and max.
#   bash scripts/check-report.sh [RUN_DIR]   (default results/latest; a capacity folder, with
#   capacity.json, is checked step by step: every step's p99 dot and every knee mark)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUN=$(readlink -f "${1:-$ROOT/results/latest}")
[ -f "$RUN/report.html" ] || { echo "check-report: no $RUN/report.html (run make bench-all)" >&2; exit 2; }
command -v chromium >/dev/null || bash "$ROOT/scripts/install-deps.sh" --browser
command -v jq >/dev/null || { echo "check-report: jq missing" >&2; exit 2; }
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
       --disable-component-update --disable-sync --user-data-dir="$profile")
timeout 120 chromium "${flags[@]}" --window-size=1200,2400 --screenshot="$RUN/report.png" "file://$RUN/report.html" 2>/dev/null
timeout 120 chromium "${flags[@]}" --dump-dom "file://$RUN/report.html" 2>/dev/null > "$profile/dom.html"
[ -s "$RUN/report.png" ] || { echo "check-report: Chromium produced no screenshot" >&2; exit 1; }
bad=0; checked=0
same() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 1e-5 * (a < 0 ? -a : a) + 1e-9) }'; }
if [ -f "$RUN/capacity.json" ]; then
  # A capacity folder (make capacity): every step's p99 is a dot at its offered rate in its
  # workload's latency chart, and every knee is marked at its rate.
  while IFS= read -r f; do
    model=$(jq -r .label "$f")
    while IFS=$'\t' read -r rate p99; do
      checked=$((checked + 1))
      grep -q "data-series=\"$model\" data-x=\"$(printf '%.6g' "$rate")\" data-y=\"$(printf '%.6g' "$p99")\"" "$profile/dom.html" ||
        { echo "check-report: $f: no dot for the step at $rate req/s (p99 $p99 ms)" >&2; bad=$((bad + 1)); }
    done < <(jq -r '.steps[] | select(.window.p99_ms != null) | [.rate, .window.p99_ms] | @tsv' "$f")
    knee=$(jq -r 'if .knee_step == null then "" else .steps[.knee_step].rate end' "$f")
    if [ -n "$knee" ]; then
      checked=$((checked + 1))
      got=$(grep -o "data-series=\"$model\" data-knee=\"[^\"]*\"" "$profile/dom.html" | head -1 | sed -E 's/.*data-knee="([^"]*)"/\1/')
      { [ -n "$got" ] && same "$knee" "$got"; } || { echo "check-report: $f: knee $knee, chart ${got:-missing}" >&2; bad=$((bad + 1)); }
    fi
  done < <(find "$RUN" -name '*.json' ! -name capacity.json | xargs -r grep -l '"schema": "loadlab.capacity"')
  echo "check-report: $checked capacity chart values checked against the documents, $bad mismatches; screenshot $RUN/report.png"
  [ "$bad" -eq 0 ] && [ "$checked" -gt 0 ]
  exit
fi
for f in "$RUN"/*.json; do
  case "$(basename "$f")" in suite.json | calibration.json) continue ;; esac
  [ "$(jq -r .status "$f")" = ok ] || continue
  model=$(jq -r 'if .label == "" then input_filename | sub(".*/"; "") | sub("\\.json$"; "") else .label end' "$f")
  for spec in "requests/s:rps:.summary.rps" "p50:p50_ms:.summary.percentiles_ms[\"50\"]" \
              "p95:p95_ms:.summary.percentiles_ms[\"95\"]" "p99:p99_ms:.summary.percentiles_ms[\"99\"]"; do
    IFS=: read -r series key path <<< "$spec"
    want=$(jq "(.repeats.metrics.$key.median // $path)" "$f")
    [ "$want" = null ] && continue  # nothing succeeded: no bar
    got=$(grep -o "data-model=\"$model\" data-series=\"$series\" data-value=\"[^\"]*\"" "$profile/dom.html" | sed -E 's/.*data-value="([^"]*)"/\1/' | head -1)
    checked=$((checked + 1))
    if [ -z "$got" ] || ! same "$want" "$got"; then
      echo "check-report: $model $series: JSON $want, chart ${got:-missing}" >&2; bad=$((bad + 1))
    fi
    if [ "$(jq ".repeats.metrics.$key != null" "$f")" = true ]; then
      lo=$(jq ".repeats.metrics.$key.min" "$f"); hi=$(jq ".repeats.metrics.$key.max" "$f")
      w=$(grep -o "class=\"whisker\" data-model=\"$model\" data-series=\"$series\" data-lo=\"[^\"]*\" data-hi=\"[^\"]*\"" "$profile/dom.html" | head -1)
      glo=$(sed -E 's/.*data-lo="([^"]*)".*/\1/' <<< "$w"); ghi=$(sed -E 's/.*data-hi="([^"]*)".*/\1/' <<< "$w")
      checked=$((checked + 1))
      if [ -z "$w" ] || ! same "$lo" "$glo" || ! same "$hi" "$ghi"; then
        echo "check-report: $model $series whisker: JSON $lo-$hi, chart ${glo:-missing}-${ghi:-missing}" >&2; bad=$((bad + 1))
      fi
    fi
  done
done
echo "check-report: $checked chart values checked against the JSON, $bad mismatches; screenshot $RUN/report.png"
[ "$bad" -eq 0 ] && [ "$checked" -gt 0 ]
