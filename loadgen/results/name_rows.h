#pragma once
// A result's statistics per request name, as Locust tabulates them: one row per name of the
// scenario (--scenario) and the "Aggregated" row, or without a scenario the one request and the
// aggregate. The console table, the Locust CSVs, the summary and the report all read these rows.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"

namespace lab {

struct NameRow {
  std::string method, name;  // the aggregate: "", "Aggregated"
  std::uint64_t requests = 0, failures = 0, bytes = 0;
  const Histogram* successes = nullptr;  // latency of successes (rate mode: corrected)
  const Histogram* failed = nullptr;     // how long the failures took (may be null)
  const std::map<int, std::uint64_t>* status_codes = nullptr;
  const std::vector<ErrorEntry>* errors = nullptr;
  bool aggregate = false;
  std::uint64_t successes_count() const { return requests - failures; }
};

/// The rows of `r` (which must have a summary): names first, the aggregate last.
std::vector<NameRow> name_rows(const Result& r);

/// One line of a per-name chart: a name's per-second points (or "other", the rest summed).
struct NameSeries {
  std::string name;
  std::vector<std::pair<int, NamePoint>> points;  // (second, its point)
};
/// The per-second series of each request name, the `cap` busiest by name and the rest summed as
/// "other" (counts added, buckets merged): what a chart can show. Busiest by the endpoints'
/// requests (the run so far, so a live view's lines stay the same from second to second), or by
/// the series' own totals without them. Empty without per-name series (not a scenario run).
std::vector<NameSeries> name_series(const std::vector<SeriesPoint>& series, const std::vector<EndpointStats>& endpoints,
                                    std::size_t cap = 8);
inline std::vector<NameSeries> name_series(const Result& r, std::size_t cap = 8) {
  return name_series(r.series, r.endpoints, cap);
}

}  // namespace lab
