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
#include <string>
#include <vector>

#include "loadgen/capacity/document.h"
#include "loadgen/results/thresholds.h"
#include "loadgen/run/engine.h"

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

/// Judges an open-loop step's measured window (seconds after `warmup_s`) against the SLO.
/// `reap_limit_ms`: how long a response may sit unread in the window before the client is the
/// limit (the run's --max-client-lag, at least 1 ms; the ring path only).
CapacityStep judge_step(const Result& r, double rate, double warmup_s, const std::vector<ThresholdSpec>& slo,
                        const CapacityStep* first_pass, double reap_limit_ms = 5);

/// Runs the search; progress on stderr unless quiet.
CapacityDoc find_capacity(const CapacitySettings& s);

}  // namespace lab
