#pragma once
#include <chrono>
#include <optional>
#include <string>

#include "loadgen/live/server.h"
#include "loadgen/cli/outputs.h"
#include "loadgen/run/engine.h"

namespace lab {

struct RunCommand {
  RunSettings settings;
  OutChoice out;  // --json, --csv, --hlog and every --out (cli/outputs.h)
  bool fail_on_errors = false;
  std::optional<LiveOptions> live;          // --live [ADDR:]PORT (with --live-control)
  std::chrono::nanoseconds live_linger{0};  // --live-linger: serve the ended run this long
  std::string live_hub;                     // --live-hub ADDR:PORT: a job's hub takes the events
  std::string live_warning;                 // a listener beyond loopback: said on the console
};

/// Parses the run command line. nullopt with `exit_code` 0 after --help, 2 after a usage error
/// (the message names the flag and the fix).
std::optional<RunCommand> parse_run_options(int argc, char** argv, int& exit_code);

}  // namespace lab
