// reuseport: a multi-reactor. One thread per CPU (or --workers), each running the shared
// reactor on level-triggered epoll with its own SO_REUSEPORT listener on the same port, so the
// kernel spreads new connections over the listeners' separate accept queues (no thundering
// herd, no shared accept lock). The first listener is main's; the others are made here.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "common/net.h"
#include "server/model.h"
#include "server/reactor/reactor.h"

namespace lab {

int run_reuseport(const ModelContext& ctx) {
  int n = ctx.cfg.workers > 0 ? ctx.cfg.workers : static_cast<int>(std::thread::hardware_concurrency());
  if (n < 1) n = 1;
  std::vector<int> listeners{ctx.listen_fd};
  for (int i = 1; i < n; ++i) {
    ListenOptions lo;
    lo.host = ctx.cfg.host;
    lo.port = ctx.cfg.port;
    lo.reuseport = true;
    lo.nonblocking = true;
    std::string err;
    int fd = make_listener(lo, err);
    if (fd < 0) {
      std::fprintf(stderr, "server: reuseport listener %d: %s\n", i, err.c_str());
      for (std::size_t j = 1; j < listeners.size(); ++j) ::close(listeners[j]);
      return 1;
    }
    listeners.push_back(fd);
  }
  // Every reactor (its epoll fd, its spare fd) is made here, before any of them serves: made
  // in its own thread, a late-starting one could find the fd table already filled by the
  // others' connections (seen under ThreadSanitizer with a 64-fd limit) and fail mid-run.
  std::vector<std::unique_ptr<Reactor>> reactors;
  for (int fd : listeners) {
    auto poller = make_epoll_poller(false);
    if (!poller) {
      std::fprintf(stderr, "server: reuseport: epoll_create1: %s\n", std::strerror(errno));
      for (std::size_t j = 1; j < listeners.size(); ++j) ::close(listeners[j]);
      return 1;
    }
    reactors.push_back(std::make_unique<Reactor>(ctx, fd, std::move(poller)));
  }
  std::vector<int> rcs(listeners.size(), 0);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < reactors.size(); ++i) threads.emplace_back([&, i] { rcs[i] = reactors[i]->run(); });
  for (auto& t : threads) t.join();
  for (std::size_t j = 1; j < listeners.size(); ++j) ::close(listeners[j]);
  for (int rc : rcs)
    if (rc != 0) return rc;
  return 0;
}

}  // namespace lab
