// select-seed: the original study's design, reproduced on purpose so the lab can show its
// cost. Each turn of the loop accepts (at most) one connection, appends it to a list, select()s
// over the whole list, starts a thread for every ready socket and prunes those from the list.
//
// Kept from the original: one accept per turn, the fd_set rebuilt and scanned every turn, a
// new thread per request. Changed so the lab can run it safely: the original blocked in
// accept() and in select() without a timeout (one silent client stalled everyone); here both
// wait at most 50 ms, clients silent past --read-timeout are pruned, fds >= FD_SETSIZE are
// answered 503 instead of corrupting memory, threads are bounded like multithread's.
#include <sys/select.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <vector>

#include "common/net.h"
#include "server/acceptor.h"
#include "server/blocking_conn.h"
#include "server/live_conns.h"
#include "server/model.h"
#include "server/stop.h"

namespace lab {

namespace {
struct Waiting {
  int fd;
  sockaddr_in peer;
  std::chrono::steady_clock::time_point since;
};
}  // namespace

int run_select_seed(const ModelContext& ctx) {
  using clock = std::chrono::steady_clock;
  Acceptor acceptor(ctx.listen_fd, ctx.stats);
  LiveConns live;
  std::vector<Waiting> clients;
  int rc = 0;
  while (!stop_requested()) {
    // 1. accept one client (the original: accept() blocking)
    const Accepted a = acceptor.accept(clients.empty() ? 100 : 0);
    if (a.kind == Accepted::Kind::kFatal) {
      rc = 1;
      break;
    }
    if (a.connection() && a.fd >= FD_SETSIZE) {
      refuse_with_503(a.fd, ctx.stats.shed_503, std::chrono::milliseconds(100));
    } else if (a.connection()) {
      clients.push_back({a.fd, a.peer, clock::now()});
    }
    if (clients.empty()) continue;
    // 2. select over the list
    fd_set rs;
    FD_ZERO(&rs);
    int maxfd = -1;
    for (const auto& c : clients) {
      FD_SET(c.fd, &rs);
      maxfd = std::max(maxfd, c.fd);
    }
    timeval tv{0, 50'000};
    int r = ::select(maxfd + 1, &rs, nullptr, nullptr, &tv);
    if (r < 0 && errno != EINTR) {
      std::perror("server: select");
      rc = 1;
      break;
    }
    // 3. a thread per ready socket, removed from the list; 4. prune silent clients
    const auto now = clock::now();
    std::size_t keep = 0;
    for (std::size_t i = 0; i < clients.size(); ++i) {
      Waiting w = clients[i];
      if (r > 0 && FD_ISSET(w.fd, &rs)) {
        serve_on_new_thread(w.fd, w.peer, ctx, live);  // waits for a slot under the thread bound
      } else if (now - w.since > ctx.cfg.read_timeout) {
        bump(ctx.stats.read_timeouts);
        lingering_close(w.fd, std::chrono::milliseconds(0));
      } else {
        clients[keep++] = w;
      }
    }
    clients.resize(keep);
  }
  for (const auto& c : clients) ::close(c.fd);
  live.drain(ctx.cfg.grace, ctx.stats);
  return rc;
}

}  // namespace lab
