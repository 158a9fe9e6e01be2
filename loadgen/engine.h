#pragma once
// Runs one load test: preflight, threads with their workers, the once-a-second collection and
// status line, the bounded stop, and the result document.
#include <string>

#include <nlohmann/json.hpp>

#include "loadgen/workload.h"

namespace lab {

enum class ProgressMode { kAuto, kAlways, kNever };

struct RunSettings {
  Workload workload;
  ProgressMode progress = ProgressMode::kAuto;
  std::string progress_prefix;  // e.g. "[3/13] select"
  bool quiet = false;           // no status line, no summary table
};

struct RunResult {
  nlohmann::json doc;       // the result document (schema v1)
  bool interrupted = false;
  std::string preflight_error;  // non-empty: the run did not start
};

/// Blocks for the run's duration (or until SIGINT/SIGTERM).
RunResult run_load(const RunSettings& s);

/// Printed at the end unless quiet: Locust-like totals and percentiles.
void print_summary_table(const nlohmann::json& doc, std::FILE* out);

}  // namespace lab
