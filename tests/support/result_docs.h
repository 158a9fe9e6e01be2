#pragma once
// Crafted result documents for tests of the result tools (compare, summary, report, CSV).
#include <nlohmann/json.hpp>
#include <string>

#include "common/histogram.h"
#include "common/result_json.h"

namespace labtest {

inline nlohmann::json make_result(const std::string& label, double rps, double p95_ms, std::uint64_t failures = 0,
                                  std::uint64_t requests = 1000) {
  lab::Histogram h;
  for (std::uint64_t i = 0; i < requests - failures; ++i) h.record(static_cast<std::uint64_t>(p95_ms * 1e6 * (i % 20 + 1) / 20));
  nlohmann::json pct = nlohmann::json::object();
  for (const char* k : {"50", "66", "75", "80", "90", "95", "98", "99", "99.9", "99.99", "100"})
    pct[k] = std::string(k) == "95" ? p95_ms : p95_ms / 2;
  return {{"schema", lab::kResultSchema},
          {"schema_version", lab::kResultSchemaVersion},
          {"tool", lab::tool_info("loadgen")},
          {"label", label},
          {"status", "ok"},
          {"interrupted", false},
          {"started_at", "2026-11-26T15:00:00Z"},
          {"workload", {{"url", "http://127.0.0.1:1234"}, {"path", "/"}, {"mode", "users"}, {"users", 100},
                        {"spawn_rate", 100.0}, {"run_time_s", 10.0}, {"wait_min_s", 1.0}, {"wait_max_s", 5.0},
                        {"rate", 0.0}, {"poisson", false}, {"keepalive", false}, {"threads", 1}, {"timeout_s", 10.0}}},
          {"environment", {{"cpus", 2}, {"kernel", "Linux test"}}},
          {"summary", {{"requests", requests}, {"successes", requests - failures}, {"failures", failures},
                       {"failure_rate", static_cast<double>(failures) / static_cast<double>(requests)},
                       {"duration_s", 10.0}, {"rps", rps}, {"avg_ms", p95_ms / 2}, {"min_ms", 0.01},
                       {"max_ms", p95_ms * 2}, {"percentiles_ms", pct}, {"bytes_received", 100 * requests},
                       {"lag_max_ms", 0.5}, {"in_flight_at_stop", 0}, {"users_spawned", 100},
                       {"ideal_requests", 1000.0}, {"schedule_fidelity", 1.0}}},
          {"series", nlohmann::json::array({{{"t", 1}, {"users", 100}, {"requests", requests}, {"failures", failures},
                                             {"rps", rps}, {"p50_ms", p95_ms / 2}, {"p95_ms", p95_ms},
                                             {"p99_ms", p95_ms}, {"lag_avg_ms", 0.1}, {"lag_max_ms", 0.5}}})},
          {"errors", nlohmann::json::array()},
          {"histogram", h.to_json()}};
}

}  // namespace labtest
