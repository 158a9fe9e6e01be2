#include "server/stop.h"

#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>

namespace lab {
namespace {
std::atomic<bool> g_stop{false};
int g_fd = -1;

void on_signal(int) {
  int saved = errno;
  request_stop();
  errno = saved;
}
}  // namespace

bool install_stop_handlers() {
  g_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (g_fd < 0) return false;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  return sigaction(SIGINT, &sa, nullptr) == 0 && sigaction(SIGTERM, &sa, nullptr) == 0;
}

pid_t fork_with_own_stop() {
  // SIGINT/SIGTERM wait (blocked) until the child has its own eventfd: delivered in between,
  // the child's handler would write to the parent's.
  sigset_t stop_signals, before;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  if (pthread_sigmask(SIG_BLOCK, &stop_signals, &before) != 0) return -1;
  const pid_t pid = fork();
  const int fork_errno = errno;
  if (pid == 0) {
    const int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (fd < 0) {
      std::perror("server: eventfd in a forked child");
      _exit(1);
    }
    ::close(g_fd);
    g_fd = fd;
    g_stop.store(false);
  }
  pthread_sigmask(SIG_SETMASK, &before, nullptr);  // restoring a saved mask cannot fail
  errno = fork_errno;
  return pid;
}

int stop_fd() { return g_fd; }
bool stop_requested() { return g_stop.load(std::memory_order_relaxed); }

void request_stop() {
  g_stop.store(true);
  std::uint64_t one = 1;
  // Async-signal-safe; a full counter (EAGAIN) still leaves the fd readable.
  ssize_t r = write(g_fd, &one, sizeof one);
  (void)r;
}

}  // namespace lab
