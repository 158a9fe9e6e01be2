#pragma once
#include <optional>
#include <string>

#include "loadgen/run/engine.h"

namespace lab {

struct RunCommand {
  RunSettings settings;
  std::string json_path;   // --json
  std::string csv_prefix;  // --csv
  bool fail_on_errors = false;
};

/// Parses the run command line. nullopt with `exit_code` 0 after --help, 2 after a usage error
/// (the message names the flag and the fix).
std::optional<RunCommand> parse_run_options(int argc, char** argv, int& exit_code);

}  // namespace lab
