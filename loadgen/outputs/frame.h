#pragma once
// What a pushing output sends, apart from how: a frame is one moment of the run as named series
// (the lab's names, docs/outputs.md), made from a second's point and the result so far. Counters
// are cumulative from the run's start (requests by name, method and status; failures by kind;
// bytes; the latency histogram's buckets, sum and count), so that a lost push loses resolution,
// never counts; gauges are the second's own (its exact percentiles, users, the plan's target, the
// client's CPU and lag). Pure: no sockets, no clocks.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace lab {

using Labels = std::vector<std::pair<std::string, std::string>>;

struct SeriesValue {
  std::string name;  // "loadgen_requests_total"
  Labels labels;     // the series' own ({name, method, status}); the run's are added when sent
  double value = 0;
  bool counter = false;  // cumulative from the run's start (else a gauge)
};

struct Frame {
  std::int64_t ms = 0;  // Unix milliseconds of the moment (the second's end)
  std::vector<SeriesValue> metrics;
  bool final = false;  // from the run's final result
};

/// The histogram's bucket bounds, in seconds (`le`), before +Inf: 0.5 ms to 10 s.
const std::vector<double>& latency_buckets_s();

/// The frame of one second: `point` (null for the final frame: counters only, from `so_far`,
/// which is then the result), the plan's target, the result so far.
Frame make_frame(const SeriesPoint* point, double target, const Result& so_far, std::int64_t ms);

/// "0.0005" -> how Prometheus writes an `le` (shortest round-trip form).
std::string le_text(double seconds);

}  // namespace lab
