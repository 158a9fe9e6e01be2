#pragma once
// The shape of the commands that read a run folder: `loadgen NAME RUN_DIR` (or one result file),
// on Boost.Program_options with --help; the results are read and ordered, and `fn(dir, results,
// path_is_a_folder)` does the work and returns what to print ("" for nothing). Bad input or an
// unwritable output prints "loadgen NAME: ..." and returns 2.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace lab {

int folder_command(int argc, char** argv, const char* name, const char* what,
                   const std::function<std::string(const std::string&, const std::vector<Result>&, bool)>& fn);

/// Parses `argc/argv` as `loadgen NAME ARG` with --help: ARG, or nullopt with `code` set (0 after
/// --help, 2 after a mistake, the message printed).
std::optional<std::string> one_positional(int argc, char** argv, const char* name, const char* arg, const char* what,
                                          int& code);

}  // namespace lab
