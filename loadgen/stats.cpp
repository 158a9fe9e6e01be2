#include "loadgen/stats.h"

#include <cstdio>

namespace lab {

void Interval::reset() {
  latency.reset();
  uncorrected.reset();
  requests = failures = bytes = lag_sum_ns = lag_max_ns = lag_count = 0;
  errors.fill(0);
}

void Interval::add_lag(std::uint64_t lag_ns) {
  lag_sum_ns += lag_ns;
  ++lag_count;
  if (lag_ns > lag_max_ns) lag_max_ns = lag_ns;
}

void WorkerStats::record_success(std::uint64_t latency_ns, std::uint64_t uncorrected_ns, std::uint64_t bytes,
                                 std::uint64_t lag_ns) {
  std::lock_guard lk(mu_);
  cur_.add_lag(lag_ns);
  cur_.latency.record(latency_ns);
  if (uncorrected_ns) cur_.uncorrected.record(uncorrected_ns);
  ++cur_.requests;
  cur_.bytes += bytes;
}

void WorkerStats::record_failure(ErrorKind kind, double at_s, const std::string& detail, std::uint64_t lag_ns) {
  std::lock_guard lk(mu_);
  cur_.add_lag(lag_ns);
  ++cur_.requests;
  ++cur_.failures;
  auto i = static_cast<std::size_t>(kind);
  ++cur_.errors[i];
  ErrorSeen& s = seen_[i];
  if (s.first_s < 0) {
    s.first_s = at_s;
    s.example = detail;
  }
  s.last_s = at_s;
}

void WorkerStats::swap_interval(Interval& into) {
  std::lock_guard lk(mu_);
  std::swap(cur_, into);
}

std::array<WorkerStats::ErrorSeen, static_cast<std::size_t>(ErrorKind::kCount)> WorkerStats::errors_seen() {
  std::lock_guard lk(mu_);
  return seen_;
}

Collector::Collector(std::vector<WorkerStats*> workers, bool rate_mode)
    : workers_(std::move(workers)), rate_mode_(rate_mode) {}

static double ms(std::uint64_t ns) { return static_cast<double>(ns) / 1e6; }

const SeriesPoint& Collector::tick(int seconds, double length_s, int users) {
  merged_.reset();
  for (WorkerStats* w : workers_) {
    scratch_.reset();
    w->swap_interval(scratch_);  // scratch_ now holds the worker's interval
    merged_.latency.merge(scratch_.latency);
    if (rate_mode_) merged_.uncorrected.merge(scratch_.uncorrected);
    merged_.requests += scratch_.requests;
    merged_.failures += scratch_.failures;
    merged_.bytes += scratch_.bytes;
    merged_.lag_sum_ns += scratch_.lag_sum_ns;
    merged_.lag_count += scratch_.lag_count;
    if (scratch_.lag_max_ns > merged_.lag_max_ns) merged_.lag_max_ns = scratch_.lag_max_ns;
    for (std::size_t i = 0; i < errors_.size(); ++i) merged_.errors[i] += scratch_.errors[i];
  }
  total_.merge(merged_.latency);
  if (rate_mode_) total_uncorrected_.merge(merged_.uncorrected);
  requests_ += merged_.requests;
  failures_ += merged_.failures;
  bytes_ += merged_.bytes;
  if (merged_.lag_max_ns > lag_max_) lag_max_ = merged_.lag_max_ns;
  for (std::size_t i = 0; i < errors_.size(); ++i) errors_[i] += merged_.errors[i];

  SeriesPoint p;
  p.t = seconds;
  p.users = users;
  p.requests = merged_.requests;
  p.failures = merged_.failures;
  p.rps = length_s > 0 ? static_cast<double>(merged_.requests) / length_s : 0;
  p.p50_ms = ms(merged_.latency.percentile(50));
  p.p95_ms = ms(merged_.latency.percentile(95));
  p.p99_ms = ms(merged_.latency.percentile(99));
  p.lag_avg_ms = merged_.lag_count ? ms(merged_.lag_sum_ns / merged_.lag_count) : 0;
  p.lag_max_ms = ms(merged_.lag_max_ns);
  p.total_requests = requests_;
  p.total_failures = failures_;
  series_.push_back(p);
  return series_.back();
}

std::string percentile_key(double p) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%g", p);
  return buf;
}

}  // namespace lab
