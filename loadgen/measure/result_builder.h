#pragma once
// Turns what a run collected into its result: the summary, the ideal schedule, the client's
// health, the errors, the thresholds, and the verdict (ok, or failed with the reason).
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "loadgen/run/settings.h"
#include "loadgen/pacing/load_model.h"
#include "loadgen/measure/collector.h"

namespace lab {

/// What the engine knows about a run besides its statistics.
struct RunFacts {
  std::string started_at;
  nlohmann::json environment;
  double duration_s = 0;
  bool interrupted = false;
  bool not_started = false;  // interrupted before the origin (--start-at): nothing was sent
  std::string early_stop;    // why the run stopped before its end ("" if it did not)
  std::uint64_t in_flight_at_stop = 0, users_spawned = 0;
  std::vector<std::pair<double, double>> activations_s;  // users' active times: the ideal request count
  double cpu_s = 0;
  int threads = 1;                                   // load threads that ran
  const LoadModel* model = nullptr;                  // the run's load mode (resolved once by the engine)
  std::optional<Stages> plan;                        // a steered run: the plan it followed in the end
  nlohmann::json control = nlohmann::json::array();  // the changes made while it ran
  std::string stopped;                               // ended early on request (the live view's stop)
  double start_epoch_s = 0;                          // wall-clock time of the origin
  OptDouble start_skew_ms;                           // origin minus --start-at
  std::optional<ServerCpu> server_cpu;               // --server-cgroup: usage over the run (D from it here)
  std::optional<FlowStats> flow;                     // a scenario's users with state: checks, skips, cookies
};

Result build_result(const RunSettings& s, const RunFacts& facts, const Collector& c);

/// Why nothing succeeded, in words a user can act on ("" when something did).
std::string no_success_reason(const Result& r);

}  // namespace lab
