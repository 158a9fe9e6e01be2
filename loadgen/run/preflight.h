#pragma once
// What loadgen checks before a run starts: that the machine can hold it (file descriptors),
// and what it warns about (ephemeral ports, too few connections for a rate).
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "loadgen/pacing/load_model.h"
#include "loadgen/workload/workload.h"

namespace lab {

/// "" when the run fits, else why not and the fix. `reserved`: descriptors something beside the
/// run may hold (the live view's connections). Records the estimate in `env`.
std::string preflight(const Workload& w, int reserved, nlohmann::json& env);
/// How many users (one socket each) the open-file limit leaves room for, with `threads` load
/// threads: the most a steered run may ask for.
int max_users_for_fds(int threads);
/// The most users a steered run may be given (the live view's control): the workload's, or as
/// many as the open-file limit leaves room for with its load threads, whichever is more.
int steerable_users(const Workload& w);
/// Warnings on stderr (--quiet too: it silences the status line and the table, not advice):
/// TIME_WAIT exhausting the ephemeral ports; a rate spread over so few connections that each
/// must answer faster than a server can.
void warn_before_run(const Workload& w, const LoadModel& model);

}  // namespace lab
