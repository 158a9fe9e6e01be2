#pragma once
// Child process bookkeeping for the forking models (multiprocess, prefork).
#include <sys/types.h>

#include <chrono>
#include <unordered_set>

#include "server/stats.h"

namespace lab {

class Children {
 public:
  void add(pid_t pid) { live_.insert(pid); }
  /// Reaps every exited child without blocking; returns the pids reaped.
  std::unordered_set<pid_t> reap();
  std::size_t live() const { return live_.size(); }
  /// Sends SIGTERM (children finish their connection), waits up to `grace`, then SIGKILLs the
  /// rest and reaps them all. Nothing is left running afterwards.
  void stop_all(std::chrono::milliseconds grace, ServerStats& stats, bool terminate_first = false);

 private:
  std::unordered_set<pid_t> live_;
};

}  // namespace lab
