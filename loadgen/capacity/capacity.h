#pragma once
// `loadgen capacity`: the highest offered load a target sustains within an SLO, found by
// search, with a concurrency curve and the number of think-time users it corresponds to.
//
// Open loop (rate) is the primary axis: a closed loop slows down with the server and hides the
// knee. A geometric staircase (x1.5) climbs until a step fails, then bisection narrows
// [last pass, first fail] to the resolution. Each step warms up, then measures; it passes only
// if, over the measured window, the SLO holds, errors stay under their limit, the achieved rate
// is within 2% of the offered one, the backlog (requests sent late because their connection
// was still busy) does not grow, and the client stayed healthy. A step the client limited is
// labelled so: it bounds the search like a failure, and its rate is never reported as the
// server's capacity. Before every run the target must have drained the previous one: requests
// abandoned at a run's end are still served, and would otherwise be the next run's queue.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "loadgen/run/engine.h"
#include "loadgen/results/thresholds.h"
#include "loadgen/capacity/usl.h"

namespace lab {

struct CapacitySettings {
  RunSettings base;                      // the workload: target, connections (users), keep-alive...
  std::string workload_name = "custom";  // the matrix cell (bench/profiles/capacity/)
  std::vector<ThresholdSpec> slo;        // each metric <= limit (errors: also a percentage)
  double start_rate = 0;                 // 0: half the best closed-loop throughput of the sweep
  double max_rate = 1e6;
  double growth = 1.5;
  double resolution = 0.05;  // bisect until last fail / last pass <= 1 + this
  std::chrono::nanoseconds warmup{std::chrono::seconds(1)}, measure{std::chrono::seconds(2)};
  std::chrono::nanoseconds budget{std::chrono::minutes(5)};
  std::vector<int> sweep = {1, 2, 4, 8, 16, 32, 64};  // closed-loop concurrency points; {}: none
  std::chrono::nanoseconds sweep_step{std::chrono::seconds(1)};
  double think_min_s = 1, think_max_s = 5;  // the users the knee is translated into
  bool confirm_users = false;               // then run them once, users mode, to confirm
  std::chrono::nanoseconds confirm_ramp{std::chrono::seconds(4)}, confirm_measure{std::chrono::seconds(8)};
  std::vector<std::string> command_line;
};

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
  nlohmann::json result;                                       // the step's full result document
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

inline constexpr const char* kCapacitySchema = "loadlab.capacity";

nlohmann::json to_json(const CapacityDoc& d);
/// Strict; throws std::runtime_error naming `path` (and the line, with the text) and the field.
CapacityDoc capacity_from_json(const nlohmann::json& j, const std::string& path);
CapacityDoc capacity_from_json(const nlohmann::json& j, const JsonSource& src);

/// Judges an open-loop step's measured window (seconds after `warmup_s`) against the SLO.
CapacityStep judge_step(const Result& r, double rate, double warmup_s, const std::vector<ThresholdSpec>& slo,
                        const CapacityStep* first_pass);

/// Runs the search; progress on stderr unless quiet.
CapacityDoc find_capacity(const CapacitySettings& s);

int capacity_main(int argc, char** argv);

}  // namespace lab
