#pragma once
// The capacity document (loadlab.capacity, version 1): one search's steps, its knee and first
// failure, the concurrency sweep with its USL fit, and the think-time users the knee serves. One
// writer and one strict reader; no sockets (the search that makes it is search/search.h).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/json_reader.h"
#include "common/result.h"
#include "loadgen/capacity/usl.h"

namespace lab {

/// One step of the search: an open-loop run at `rate`, judged over its measured window.
struct CapacityStep {
  double rate = 0;
  std::string phase;  // staircase, below, bisect
  bool passed = false;
  bool client_bound = false;        // the client, not the server, limited this step
  std::vector<std::string> failed;  // what failed, first the deciding one: "latency: p99 71 ms > 50 ms"
  std::string limit;                // the deciding criterion in one word (errors, latency, ...)
  double achieved_rps = 0, error_pct = 0, late_growth_ms = 0;
  double settle_s = 0;  // waited before the step for the target to drain the last one
  std::uint64_t requests = 0;
  OptDouble p50_ms, p95_ms, p99_ms, mean_ms, service_mean_ms;  // window; service: from the actual send
  /// The server's CPU over the window (--server-cgroup): per request completed (the service demand
  /// D, us), as CPUs busy (the utilization U = X * D), and the time a CPU limit throttled it.
  OptDouble server_us_per_request, server_cpus, server_throttled_s;
  nlohmann::json result;  // the step's full result document
};

struct UsersEstimate {
  double think_mean_s = 0, response_s = 0;
  double users = 0;  // Little's law: rate x (think + response)
  // The confirming users-mode run, if any.
  bool confirmed_run = false;
  int users_run = 0;       // may be fewer than `users`: the fd limit binds
  std::string limited_by;  // why fewer ("" when not)
  double offered_rps = 0, achieved_fidelity = 0;
  OptDouble p99_ms;
  bool passed = false;
  std::string verdict;
};

struct CapacityDoc {
  int schema_version = 1;
  nlohmann::json tool = nlohmann::json::object();
  std::string label, workload_name, started_at, url;
  nlohmann::json workload = nlohmann::json::object();
  std::vector<std::string> slo;  // as given, normalised: "p99<=50ms"
  nlohmann::json settings = nlohmann::json::object();
  nlohmann::json environment = nlohmann::json::object();
  std::vector<CapacityStep> steps;
  std::string status;                           // found, below_first_step, client_bound, max_rate, budget, interrupted
  std::string verdict;                          // in words
  std::optional<std::size_t> knee, first_fail;  // indexes into steps
  std::vector<UslPoint> sweep;
  std::optional<UslFit> usl;
  std::optional<UsersEstimate> users;
  double elapsed_s = 0;
  nlohmann::json server;  // the server's knobs (added by the runner script)
  std::vector<std::string> command_line;
  std::string path;  // the file it was read from (not written)

  const CapacityStep* knee_step() const { return knee ? &steps[*knee] : nullptr; }
  const CapacityStep* fail_step() const { return first_fail ? &steps[*first_fail] : nullptr; }
};

/// The server's service demand over a search (--server-cgroup): D (us of the server's CPU per
/// request) from the highest steps that passed (up to two, averaged: an event loop batches under
/// load and is cheapest near its limit), and its trend: D at the highest pass over D at the
/// lowest (below 1: cheaper per request as the rate rises; above: dearer, as a thread per
/// connection switches more). nullopt when no passing step has it.
struct ServiceDemand {
  double us_per_request = 0;
  double lo_us = 0, hi_us = 0;     // the spread: the least and the most of the steps it averages
  std::vector<double> from_rates;  // the steps it comes from
  double trend = 1;
  double lowest_rate = 0, lowest_us = 0;
};
std::optional<ServiceDemand> service_demand(const CapacityDoc& d);

inline constexpr const char* kCapacitySchema = "loadlab.capacity";

nlohmann::json to_json(const CapacityDoc& d);
/// Strict; throws std::runtime_error naming `path` (and the line, with the text) and the field.
CapacityDoc capacity_from_json(const nlohmann::json& j, const std::string& path);
CapacityDoc capacity_from_json(const nlohmann::json& j, const JsonSource& src);

}  // namespace lab
