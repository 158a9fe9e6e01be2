#pragma once
// What a run is asked to do (RunSettings) and what it gives back (RunResult): the engine's
// input and output, apart from the engine, so that the result builder, the status line and the
// command line's options need not include the engine itself.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "loadgen/results/thresholds.h"
#include "loadgen/run/observer.h"
#include "loadgen/workload/workload.h"

namespace lab {

enum class ProgressMode { kAuto, kAlways, kNever };

struct RunSettings {
  Workload workload;
  ProgressMode progress = ProgressMode::kAuto;
  std::string progress_prefix;  // e.g. "[3/13] select"
  bool quiet = false;           // no status line, no summary table
  std::vector<ThresholdSpec> thresholds;
  std::vector<std::string> command_line;  // recorded in the result, to reproduce the run (secrets redacted)
  std::vector<std::string> redacted;      // what the command line's redaction took out
  /// Stop early when no request has succeeded this long into the run (0: never).
  std::chrono::nanoseconds abort_after{std::chrono::seconds(2)};
  /// --abort-on-fail[=DELAY]: from DELAY into the run, judge the thresholds on the data so far
  /// every second and stop at the first that fails (as k6's abortOnFail); nullopt: never.
  std::optional<std::chrono::nanoseconds> abort_on_fail;
  /// A run whose client woke later than this (p99) for its requests is client-bound.
  double max_client_lag_ms = 5;
  /// The cgroup the server runs in (--server-cgroup): its CPU time is read each second (server_cpu).
  std::string server_cgroup;
  /// The run's outputs (run/observer.h: the live view, the pushers, the files), told its start,
  /// seconds and controls in this order; and someone steering it (--live-control), optional.
  std::vector<RunObserver*> observers;
  Steering* steering = nullptr;
  /// Descriptors something beside the run may hold at once (the live view's connections): the
  /// preflight counts them with the run's.
  int reserved_fds = 0;
  std::string live_title;  // what this run is, for the observer ("step 3: staircase 1,500 req/s")
};

struct RunResult {
  Result result;
  bool interrupted = false;
  std::string aborted_by;       // the threshold --abort-on-fail stopped the run for
  std::string preflight_error;  // non-empty: the run did not start
};

}  // namespace lab
