#pragma once
// Per-thread statistics and the once-a-second merge. Each worker thread records into its own
// WorkerStats (a mutex it alone takes, except for the collector's one swap per second), so the
// hot path never contends. The Collector swaps each worker's interval out, merges it into the
// run's totals exactly (histograms add bucket by bucket) and keeps the per-second series.
#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/histogram.h"
#include "loadgen/errors.h"

namespace lab {

struct Interval {
  Histogram latency;      // successful requests; rate mode: from the intended send time
  Histogram uncorrected;  // rate mode: from the actual send time
  std::uint64_t requests = 0, failures = 0, bytes = 0;
  std::uint64_t lag_sum_ns = 0, lag_max_ns = 0, lag_count = 0;
  std::array<std::uint64_t, static_cast<std::size_t>(ErrorKind::kCount)> errors{};
  void reset();
  void add_lag(std::uint64_t lag_ns);
};

class WorkerStats {
 public:
  /// Called on the worker's thread only.
  /// One lock per request: the outcome and how late the request started.
  void record_success(std::uint64_t latency_ns, std::uint64_t uncorrected_ns, std::uint64_t bytes, std::uint64_t lag_ns);
  void record_failure(ErrorKind kind, double at_s, const std::string& detail, std::uint64_t lag_ns);

  /// Collector side: swaps the current interval with `into` (which must be reset).
  void swap_interval(Interval& into);

  struct ErrorSeen {
    double first_s = -1, last_s = -1;
    std::string example;
  };
  /// Collector side, after the run: first/last seen per kind.
  std::array<ErrorSeen, static_cast<std::size_t>(ErrorKind::kCount)> errors_seen();

 private:
  std::mutex mu_;
  Interval cur_;
  std::array<ErrorSeen, static_cast<std::size_t>(ErrorKind::kCount)> seen_{};
};

struct SeriesPoint {
  int t = 0;  // seconds since start, end of the interval
  int users = 0;
  std::uint64_t requests = 0, failures = 0;
  double rps = 0;
  double p50_ms = 0, p95_ms = 0, p99_ms = 0;
  double lag_avg_ms = 0, lag_max_ms = 0;
  std::uint64_t total_requests = 0, total_failures = 0;
};

class Collector {
 public:
  explicit Collector(std::vector<WorkerStats*> workers, bool rate_mode);
  /// Merges every worker's interval; `seconds` is the interval's end (s since start),
  /// `length_s` its length. Appends a series point and returns it.
  const SeriesPoint& tick(int seconds, double length_s, int users);

  const Histogram& total() const { return total_; }
  const Histogram& total_uncorrected() const { return total_uncorrected_; }
  std::uint64_t requests() const { return requests_; }
  std::uint64_t failures() const { return failures_; }
  std::uint64_t bytes() const { return bytes_; }
  const std::array<std::uint64_t, static_cast<std::size_t>(ErrorKind::kCount)>& errors() const { return errors_; }
  const std::vector<SeriesPoint>& series() const { return series_; }
  std::uint64_t lag_max_ns() const { return lag_max_; }

 private:
  std::vector<WorkerStats*> workers_;
  bool rate_mode_;
  Interval scratch_, merged_;
  Histogram total_, total_uncorrected_;
  std::uint64_t requests_ = 0, failures_ = 0, bytes_ = 0, lag_max_ = 0;
  std::array<std::uint64_t, static_cast<std::size_t>(ErrorKind::kCount)> errors_{};
  std::vector<SeriesPoint> series_;
};

/// Locust's percentile set.
inline constexpr double kPercentiles[11] = {50, 66, 75, 80, 90, 95, 98, 99, 99.9, 99.99, 100};
std::string percentile_key(double p);  // "50", "99.9", "100"

}  // namespace lab
