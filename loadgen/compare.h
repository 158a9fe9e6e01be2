#pragma once
// Comparing two result sets model by model. Exit codes: 0 no regression, 1 a regression,
// 2 unreadable input or results that cannot be compared (different workloads or schema
// versions) unless --force.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "loadgen/result_set.h"

namespace lab {

struct Thresholds {
  double max_rps_drop_pct = 10;       // requests/s may fall this much
  double max_p95_rise_pct = 20;       // p95 may rise this much ...
  double min_latency_delta_ms = 1.0;  // ... and must also rise by this many ms to count
  double max_failure_rise_pts = 0.1;  // failure rate, percentage points
};

struct ModelDelta {
  std::string model;
  std::string note;  // "only in base", "failed in cur", ...
  bool regressed = false;
  std::vector<std::string> reasons;
  nlohmann::json base, cur;  // summaries (null when absent)
};

/// Throws std::runtime_error (exit 2) when the sets cannot be compared and !force.
std::vector<ModelDelta> compare_sets(const std::vector<LoadedResult>& base, const std::vector<LoadedResult>& cur,
                                     const Thresholds& t, bool force);
std::string format_comparison(const std::vector<ModelDelta>& d, const std::string& format, const Thresholds& t);
int compare_main(int argc, char** argv);

}  // namespace lab
