#pragma once
// Comparing two result sets model by model. A difference is a regression only when it exceeds
// its limit and the noise: the spreads of the two results (repeats' min..max, or each single
// run's per-second estimate, loadgen/results/noise.h) must not overlap. A pair where either run was
// client-bound is inconclusive: the client, not the server, may have made the difference.
//
// Exit codes: 0 no regression; 1 a regression; 2 unreadable input or results that cannot be
// compared (different workloads or schema versions) unless --force; 3 no regression, but some
// pair was inconclusive.
#include <string>
#include <vector>

#include "common/result.h"
#include "loadgen/results/noise.h"

namespace lab {

struct CompareLimits {
  double max_rps_drop_pct = 10;       // requests/s may fall this much
  double max_p95_rise_pct = 20;       // p95 may rise this much ...
  double min_latency_delta_ms = 1.0;  // ... and must also rise by this many ms to count
  double max_failure_rise_pts = 0.1;  // failure rate, percentage points
};

struct ModelDelta {
  std::string model;
  std::string note;  // "only in base", "failed in cur", ...
  bool regressed = false;
  bool inconclusive = false;
  std::vector<std::string> reasons;
  const Result* base = nullptr;  // with numbers (absent or not run: null)
  const Result* cur = nullptr;
};

/// Throws std::runtime_error (exit 2) when the sets cannot be compared and !force.
std::vector<ModelDelta> compare_sets(const std::vector<Result>& base, const std::vector<Result>& cur,
                                     const CompareLimits& t, bool force);
/// "" when both sides ran on machines with like costs (their results' environment.calibration:
/// fork, thread, switch, connection, round trip, copy, busy loop within 25%), else what differs.
std::string machine_difference(const std::vector<ModelDelta>& d);

/// The numbers a comparison is written in: the change from base to cur in percent (infinite from
/// 0 to not 0), a delta's figures, and a result's noise on a metric in words.
double pct(double base, double cur);
std::string delta_num(double v);
std::string spread_text(const Result& r, Metric m);

}  // namespace lab
