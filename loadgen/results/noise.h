#pragma once
// The metrics the result tools compare and rank, with their noise. A metric's value is the
// run's own, or, for a model run several times (bench-all REPEAT=N), the median of its
// repeats. Its spread is what it varies by: the repeats' min..max, or for a single run an
// estimate from its own per-second values (mean +/- 2 standard errors over the seconds after
// the ramp), so that rankings and comparisons never order differences smaller than the noise.
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace lab {

enum class Metric { kRps, kAvg, kP50, kP95, kP99, kFailurePct };

struct MetricInfo {
  Metric metric;
  const char* key;    // in Repeats::metrics: "rps", "avg_ms", ...
  const char* title;  // "requests/s", "p95 ms"
  bool higher_is_better;
};
const std::vector<MetricInfo>& all_metrics();
const MetricInfo& info(Metric m);

/// The run's value of the metric (the repeats' median when it has repeats); nullopt when it
/// has none (latency of a run where nothing succeeded).
OptDouble value(const Result& r, Metric m);
/// The run's single-run value (ignores repeats): what aggregation collects per repeat.
OptDouble single_value(const Result& r, Metric m);

struct Spread {
  double lo = 0, hi = 0;
  bool from_repeats = false;
};
/// nullopt when the noise cannot be told (a single run of under 3 steady seconds).
std::optional<Spread> spread(const Result& r, Metric m);
/// How a run's noise was measured, in words, for the tables.
std::string noise_note(const std::vector<Result>& rs);

/// Items already in order, grouped into places: an item joins the current place when it overlaps
/// any item already in it, so two items within each other's spread never end up in different
/// places (the rule of every ranking: results here, capacity limits in the capacity report).
template <class T, class Overlap>
std::vector<std::vector<T>> places_by_overlap(const std::vector<T>& ordered, Overlap overlap) {
  std::vector<std::vector<T>> places;
  for (const T& item : ordered) {
    bool tie = false;
    if (!places.empty())
      for (const T& member : places.back()) tie = tie || overlap(member, item);
    if (tie)
      places.back().push_back(item);
    else
      places.push_back({item});
  }
  return places;
}

/// Ranks results by the metric, best first; a result whose spread overlaps that of any result
/// in the current place shares it (a tie). Results without a value are left out.
std::vector<std::vector<const Result*>> rank(const std::vector<const Result*>& rs, Metric m);
/// "a = b > c" for a ranking.
std::string ranking_line(const std::vector<std::vector<const Result*>>& places, bool higher_is_better);

}  // namespace lab
