#include "loadgen/outputs/frame.h"

#include <algorithm>
#include <cstdio>

#include "loadgen/results/name_rows.h"

namespace lab {

const std::vector<double>& latency_buckets_s() {
  static const std::vector<double> b = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return b;
}

std::string le_text(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", seconds);
  return buf;
}

namespace {

// Successes at or under each bound (and the total last), in one pass over the buckets up to the
// last bound: a bucket counts under a bound when the bound's value falls in it or after it (the
// buckets are 1/2048 wide, so the one that straddles a bound moves it by less than 0.05%).
std::vector<std::uint64_t> cumulative(const Histogram& h) {
  const auto& bounds = latency_buckets_s();
  std::vector<std::uint64_t> out;
  out.reserve(bounds.size() + 1);
  std::uint64_t n = 0;
  std::size_t i = 0;
  for (double le : bounds) {
    const std::size_t last =
        std::min(Histogram::index_of(static_cast<std::uint64_t>(le * 1e9)), Histogram::bucket_count() - 1);
    for (; i <= last; ++i) n += h.count_at(i);
    out.push_back(n);
  }
  out.push_back(h.count());
  return out;
}

void second_gauges(Frame& f, const SecondCounts& c, const Labels& labels) {
  auto gauge = [&](const char* name, const OptDouble& ms) {
    if (ms) f.metrics.push_back({name, labels, *ms / 1000.0, false});
  };
  gauge("loadgen_request_duration_avg_seconds", c.avg_ms);
  gauge("loadgen_request_duration_p50_seconds", c.p50_ms);
  gauge("loadgen_request_duration_p95_seconds", c.p95_ms);
  gauge("loadgen_request_duration_p99_seconds", c.p99_ms);
  f.metrics.push_back({"loadgen_second_requests", labels, static_cast<double>(c.requests), false});
  f.metrics.push_back({"loadgen_second_failures", labels, static_cast<double>(c.failures), false});
}

}  // namespace

Frame make_frame(const SeriesPoint* point, double target, const Result& so_far, std::int64_t ms) {
  Frame f;
  f.ms = ms;
  f.final = point == nullptr;
  if (!so_far.has_summary()) return f;
  for (const NameRow& row : name_rows(so_far)) {
    if (row.aggregate) continue;  // (sum() over the names is the aggregate)
    const Labels nm = {{"name", row.name}, {"method", row.method}};
    std::uint64_t answered = 0;
    for (const auto& [code, n] : *row.status_codes) {
      Labels l = nm;
      l.emplace_back("status", std::to_string(code));
      f.metrics.push_back({"loadgen_requests_total", std::move(l), static_cast<double>(n), true});
      answered += n;
    }
    if (row.requests > answered) {  // no response at all (refused, reset, timed out): status 0, as k6
      Labels l = nm;
      l.emplace_back("status", "0");
      f.metrics.push_back({"loadgen_requests_total", std::move(l), static_cast<double>(row.requests - answered), true});
    }
    for (const ErrorEntry& e : *row.errors) {
      Labels l = nm;
      l.emplace_back("kind", e.kind);
      f.metrics.push_back({"loadgen_request_failures_total", std::move(l), static_cast<double>(e.count), true});
    }
    f.metrics.push_back({"loadgen_bytes_received_total", nm, static_cast<double>(row.bytes), true});
    f.metrics.push_back({"loadgen_request_failure_ratio", nm,
                         row.requests ? static_cast<double>(row.failures) / static_cast<double>(row.requests) : 0.0,
                         false});
    const Histogram& h = *row.successes;
    const std::vector<std::uint64_t> under = cumulative(h);
    for (std::size_t b = 0; b < latency_buckets_s().size(); ++b) {
      Labels l = nm;
      l.emplace_back("le", le_text(latency_buckets_s()[b]));
      f.metrics.push_back(
          {"loadgen_request_duration_seconds_bucket", std::move(l), static_cast<double>(under[b]), true});
    }
    Labels inf = nm;
    inf.emplace_back("le", "+Inf");
    f.metrics.push_back(
        {"loadgen_request_duration_seconds_bucket", std::move(inf), static_cast<double>(h.count()), true});
    f.metrics.push_back(
        {"loadgen_request_duration_seconds_sum", nm, h.mean() * static_cast<double>(h.count()) / 1e9, true});
    f.metrics.push_back({"loadgen_request_duration_seconds_count", nm, static_cast<double>(h.count()), true});
  }
  if (!point) return f;
  second_gauges(f, *point, {});
  for (const NamePoint& n : point->names) second_gauges(f, n, {{"name", n.name}});
  f.metrics.push_back({"loadgen_users", {}, static_cast<double>(point->users), false});
  f.metrics.push_back({"loadgen_target", {}, target, false});
  f.metrics.push_back({"loadgen_client_lag_max_seconds", {}, point->lag_max_ms / 1000.0, false});
  if (point->cpu_pct) f.metrics.push_back({"loadgen_client_cpu_percent", {}, *point->cpu_pct, false});
  return f;
}

}  // namespace lab
