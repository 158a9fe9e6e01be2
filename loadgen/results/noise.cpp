#include "loadgen/results/noise.h"

#include <algorithm>
#include <cmath>

namespace lab {

const std::vector<MetricInfo>& all_metrics() {
  static const std::vector<MetricInfo> v = {
      {Metric::kRps, "rps", "requests/s", true}, {Metric::kAvg, "avg_ms", "avg ms", false},
      {Metric::kP50, "p50_ms", "p50 ms", false}, {Metric::kP95, "p95_ms", "p95 ms", false},
      {Metric::kP99, "p99_ms", "p99 ms", false}, {Metric::kFailurePct, "failure_pct", "failure %", false},
  };
  return v;
}

const MetricInfo& info(Metric m) {
  for (const auto& i : all_metrics())
    if (i.metric == m) return i;
  return all_metrics().front();
}

OptDouble single_value(const Result& r, Metric m) {
  if (!r.summary) return std::nullopt;
  const Summary& s = *r.summary;
  switch (m) {
    case Metric::kRps: return s.rps;
    case Metric::kAvg: return s.latency.avg_ms;
    case Metric::kP50: return s.latency.p(50);
    case Metric::kP95: return s.latency.p(95);
    case Metric::kP99: return s.latency.p(99);
    case Metric::kFailurePct: return 100.0 * s.failure_rate;
  }
  return std::nullopt;
}

OptDouble value(const Result& r, Metric m) {
  if (r.repeats) {
    auto it = r.repeats->metrics.find(info(m).key);
    if (it != r.repeats->metrics.end()) return it->second.median;
  }
  return single_value(r, m);
}

namespace {

OptDouble per_second(const SeriesPoint& p, Metric m) {
  switch (m) {
    case Metric::kRps: return p.rps;
    case Metric::kAvg: return p.avg_ms;
    case Metric::kP50: return p.p50_ms;
    case Metric::kP95: return p.p95_ms;
    case Metric::kP99: return p.p99_ms;
    case Metric::kFailurePct:
      return p.requests ? OptDouble(100.0 * static_cast<double>(p.failures) / static_cast<double>(p.requests))
                        : std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

std::optional<Spread> spread(const Result& r, Metric m) {
  if (r.repeats) {
    auto it = r.repeats->metrics.find(info(m).key);
    if (it != r.repeats->metrics.end()) return Spread{it->second.min, it->second.max, true};
    return std::nullopt;
  }
  const OptDouble v = value(r, m);
  if (!v || !r.summary) return std::nullopt;
  // Seconds in steady state: whole seconds once every user has started.
  const auto spawned = static_cast<int>(r.summary->users_spawned);
  std::vector<double> xs;
  for (const auto& p : r.series) {
    if (p.partial || p.users < spawned) continue;
    if (const OptDouble x = per_second(p, m)) xs.push_back(*x);
  }
  if (xs.size() < 3) return std::nullopt;
  double mean = 0;
  for (double x : xs) mean += x;
  mean /= static_cast<double>(xs.size());
  double var = 0;
  for (double x : xs) var += (x - mean) * (x - mean);
  var /= static_cast<double>(xs.size() - 1);
  const double half = 2 * std::sqrt(var / static_cast<double>(xs.size()));
  return Spread{*v - half, *v + half, false};
}

std::string noise_note(const std::vector<Result>& rs) {
  std::size_t n = 0;
  for (const auto& r : rs)
    if (r.repeats) n = std::max(n, r.repeats->files.size());
  if (n > 1)
    return "Noise: each model ran " + std::to_string(n) +
           " times, interleaved; values are medians, [min-max] the "
           "spread; models whose spreads overlap share a place.";
  return "Noise: single runs; each value's spread is estimated from its own per-second values (+/- 2 standard errors "
         "over the seconds after the ramp); models within each other's spread share a place. Repeat runs "
         "(make bench-all REPEAT=N) measure it directly.";
}

std::vector<std::vector<const Result*>> rank(const std::vector<const Result*>& rs, Metric m) {
  const bool higher = info(m).higher_is_better;
  std::vector<const Result*> v;
  for (const Result* r : rs)
    if (value(*r, m)) v.push_back(r);
  std::stable_sort(v.begin(), v.end(), [&](const Result* a, const Result* b) {
    return higher ? *value(*a, m) > *value(*b, m) : *value(*a, m) < *value(*b, m);
  });
  auto overlap = [&](const Result* a, const Result* b) {
    const auto sa = spread(*a, m), sb = spread(*b, m);
    if (!sa || !sb) return *value(*a, m) == *value(*b, m);
    return sa->lo <= sb->hi && sb->lo <= sa->hi;
  };
  return places_by_overlap(v, overlap);
}

std::string ranking_line(const std::vector<std::vector<const Result*>>& places, bool higher_is_better) {
  std::string s;
  for (const auto& place : places) {
    if (!s.empty()) s += higher_is_better ? " > " : " < ";
    for (std::size_t i = 0; i < place.size(); ++i) s += (i ? " = " : "") + place[i]->name();
  }
  return s;
}

}  // namespace lab
