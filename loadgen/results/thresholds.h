#pragma once
// Pass/fail criteria on a run's result, as k6 users know them: --threshold p99<5ms,
// --threshold errors<1%, --threshold rps>1000 (repeatable). Each is recorded in the result
// with the value it saw and whether it held; a run where one failed exits 6.
//
// Metrics: p<N> (any percentile, e.g. p50, p99.9), avg, min, max (latency of successes; units
// ns, us, ms, s, default ms); rps (requests/s); errors (failed requests: a count, or with % the
// failure rate); fidelity (% of the ideal schedule sent). Operators: < <= > >=.
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace lab {

struct ThresholdSpec {
  std::string expr, metric, op;
  double limit = 0;  // ms for latency, req/s, count or percent
  bool percent = false;
};

/// nullopt with `error` saying what is wrong and what would be right.
std::optional<ThresholdSpec> parse_threshold(std::string_view expr, std::string& error);
/// Evaluates against a finished run (its summary and success histogram).
Threshold evaluate(const ThresholdSpec& spec, const Result& r);

}  // namespace lab
