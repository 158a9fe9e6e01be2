#include "server/children.h"

#include <signal.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstdio>
#include <thread>

namespace lab {

std::unordered_set<pid_t> Children::reap() {
  std::unordered_set<pid_t> done;
  for (;;) {
    int status = 0;
    pid_t p = waitpid(-1, &status, WNOHANG);
    if (p > 0) {
      live_.erase(p);
      done.insert(p);
      continue;
    }
    if (p < 0 && errno == EINTR) continue;
    break;  // 0: none exited; ECHILD: none left
  }
  return done;
}

void Children::stop_all(std::chrono::milliseconds grace, ServerStats& stats, bool terminate_first) {
  if (terminate_first)
    for (pid_t p : live_) kill(p, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (!live_.empty() && std::chrono::steady_clock::now() < deadline) {
    reap();
    if (!live_.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (pid_t p : live_) {
    if (kill(p, SIGKILL) == 0) bump(stats.forced_closes);
  }
  while (!live_.empty()) {
    int status = 0;
    pid_t p = waitpid(-1, &status, 0);
    if (p > 0)
      live_.erase(p);
    else if (errno != EINTR)
      break;
  }
  live_.clear();
}

}  // namespace lab
