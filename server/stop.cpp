#include "server/stop.h"

#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

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

void install_stop_handlers() {
  g_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (g_fd < 0) {
    std::perror("server: eventfd");
    std::exit(1);
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  if (sigaction(SIGINT, &sa, nullptr) != 0 || sigaction(SIGTERM, &sa, nullptr) != 0) {
    std::perror("server: sigaction");
    std::exit(1);
  }
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
