#pragma once
// Pass/fail criteria on a run's result, as k6 users know them: --threshold p99<5ms,
// --threshold errors<1%, --threshold rps>1000 (repeatable). Each is recorded in the result
// with the value it saw and whether it held; a run where one failed exits 6.
//
// Metrics: p<N> (any percentile, e.g. p50, p99.9), avg, min, max (latency of successes; units
// ns, us, ms, s, default ms); rps (requests/s); errors (failed requests: a count, or with % the
// failure rate); fidelity (% of the ideal schedule sent); checks (% of a scenario's checks that
// passed, as k6's checks rate). Operators: < <= > >=.
// Per request name (a scenario's): p95{name=search}<50ms, errors{name=login}<1%, rps{name=cart}>10,
// checks{name=login}>99.9%
// judge that name's statistics alone (fidelity is the run's only).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace lab {

struct ThresholdSpec {
  std::string expr, metric, op;
  std::string name;  // {name=...}: one request name's statistics; empty: the whole run
  double limit = 0;  // ms for latency, req/s, count or percent
  bool percent = false;
};

/// nullopt with `error` saying what is wrong and what would be right.
std::optional<ThresholdSpec> parse_threshold(std::string_view expr, std::string& error);
/// Evaluates against a run, finished or so far (its summary and success histogram, or the named
/// request's endpoint statistics).
Threshold evaluate(const ThresholdSpec& spec, const Result& r);
/// "" when every per-name threshold names one of `names`, else the error listing them.
std::string check_threshold_names(const std::vector<ThresholdSpec>& specs, const std::vector<std::string>& names);
/// Whether a threshold can never hold again once failed, whatever the rest of the run does:
/// an upper limit on a count (errors<N) or on the maximum. (--abort-on-fail stops on any failure
/// after its delay, as k6's abortOnFail; this says which failures are final.)
bool final_once_failed(const ThresholdSpec& spec);

}  // namespace lab
