#pragma once
// Crafted results for tests of the result tools (compare, summary, report, CSV).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/environment.h"
#include "common/histogram.h"
#include "common/result.h"

namespace labtest {

/// A successful run of `label`: `rps` requests/s over 10 s, latencies spread evenly up to about
/// 1.05 x `p95_ms` (so p95 is about `p95_ms`), and a steady per-second series (every second alike, so the single-run
/// noise estimate is zero width unless `jitter` makes the seconds differ by that fraction).
inline lab::Result make_run(const std::string& label, double rps, double p95_ms, std::uint64_t failures = 0,
                            std::uint64_t requests = 1000, double jitter = 0) {
  lab::Histogram h;
  for (std::uint64_t i = 0; i < requests - failures; ++i)
    h.record(static_cast<std::uint64_t>(p95_ms * 1e6 * static_cast<double>(i % 20 + 1) / 19));
  lab::Result r;
  r.tool = lab::tool_info("loadgen");
  r.label = label;
  r.started_at = "2026-11-26T15:00:00Z";
  r.command_line = {"loadgen", "-H", "http://127.0.0.1:1234"};
  r.workload = {{"url", "http://127.0.0.1:1234"},
                {"path", "/"},
                {"mode", "users"},
                {"users", 100},
                {"spawn_rate", 100.0},
                {"run_time_s", 10.0},
                {"wait_min_s", 1.0},
                {"wait_max_s", 5.0},
                {"rate", 0.0},
                {"poisson", false},
                {"keepalive", false},
                {"threads", 1},
                {"timeout_s", 10.0},
                {"expect_status", "2xx"},
                {"seed", 1}};
  r.environment = {{"cpus", 2}, {"kernel", "Linux test"}};
  lab::Summary s;
  s.requests = requests;
  s.failures = failures;
  s.successes = requests - failures;
  s.failure_rate = static_cast<double>(failures) / static_cast<double>(requests);
  s.duration_s = 10;
  s.rps = rps;
  s.latency = lab::LatencySummary::of(h);
  s.bytes_received = 100 * (requests - failures);
  s.users_spawned = 100;
  s.ideal_requests = static_cast<double>(requests);
  s.schedule_fidelity = 1.0;
  if (requests > failures) s.status_codes[200] = requests - failures;
  if (failures) s.status_codes[500] = failures;
  r.summary = s;
  r.histogram = h;
  r.failed_histogram = lab::Histogram{};
  r.client.lag_p99_ms = 0.2;
  r.client.lag_max_ms = 0.5;
  r.client.cpu_pct = 10;
  for (int t = 1; t <= 10; ++t) {
    lab::SeriesPoint p;
    p.t = t;
    p.users = 100;
    p.requests = requests / 10;
    p.failures = failures / 10;
    const double k = t % 2 ? 1 + jitter : 1 - jitter;
    p.rps = rps * k;
    p.avg_ms = s.latency.avg_ms.value_or(0) * k;
    p.p50_ms = s.latency.p(50).value_or(0) * k;
    p.p95_ms = p95_ms * k;
    p.p99_ms = s.latency.p(99).value_or(0) * k;
    r.series.push_back(p);
  }
  if (failures) r.errors.push_back({"http_500", failures, 1.0, 9.0, "HTTP 500"});
  return r;
}

/// The same as a result document.
inline nlohmann::json make_result(const std::string& label, double rps, double p95_ms, std::uint64_t failures = 0,
                                  std::uint64_t requests = 1000, double jitter = 0) {
  return lab::to_json(make_run(label, rps, p95_ms, failures, requests, jitter));
}

/// Shard `index` of `count` of a run (see make_run), started at `start` (Unix seconds).
inline lab::Result make_shard(int index, int count, double rps, double p95_ms, std::uint64_t requests,
                              double start = 1000.0) {
  lab::Result r = make_run("epoll", rps, p95_ms, 0, requests);
  lab::ShardInfo sh;
  sh.index = index;
  sh.count = count;
  sh.start_epoch_s = start;
  sh.start_skew_ms = index * 1.5;
  r.shard = sh;
  r.path = "shard-" + std::to_string(index) + ".json";
  return r;
}

/// `label` run once per value of `rps` (the repeats of bench-all REPEAT=N), named as bench-all names them.
inline std::vector<lab::Result> repeats_of(const std::string& label, std::vector<double> rps) {
  std::vector<lab::Result> out;
  for (std::size_t i = 0; i < rps.size(); ++i) {
    out.push_back(make_run(label, rps[i], 1.0));
    out.back().path = label + ".r" + std::to_string(i + 1) + ".json";
  }
  return out;
}

}  // namespace labtest
