#pragma once
#include <optional>
#include <string>

#include "server/config.h"

namespace lab {

/// Parses argv. Returns a config to run, or nullopt with `exit_code` set: 0 after --help or
/// --list-models (already printed), 2 after a usage error (message naming the flag on stderr).
std::optional<ServerConfig> parse_server_options(int argc, char** argv, int& exit_code);

}  // namespace lab
