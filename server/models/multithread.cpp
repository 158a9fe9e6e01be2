// multithread: a detached thread per connection with a 128 KiB stack. --max-threads bounds
// the live threads (default: half the fd limit, at most 10,000); at the bound the acceptor
// waits for a thread to finish instead of failing. If pthread_create fails, that client gets
// a 503 and the server goes on.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "common/http_reply.h"
#include "common/net.h"
#include "server/acceptor.h"
#include "server/blocking_conn.h"
#include "server/live_conns.h"
#include "server/model.h"

namespace lab {


int run_multithread(const ModelContext& ctx) {
  std::size_t limit = ctx.cfg.max_threads > 0
                          ? static_cast<std::size_t>(ctx.cfg.max_threads)
                          : std::clamp<std::size_t>(ctx.cfg.fd_limit / 2, 16, 10'000);
  Acceptor acceptor(ctx.listen_fd, ctx.stats);
  LiveConns live;
  int rc = 0;
  for (;;) {
    if (!live.wait_for_slot(limit)) break;
    sockaddr_in peer{};
    int fd = acceptor.accept(peer);
    if (fd == Acceptor::kStopped) break;
    if (fd == Acceptor::kFatal) {
      rc = 1;
      break;
    }
    if (serve_on_new_thread(fd, peer, ctx.cfg, ctx.stats, /*keepalive_ok=*/true, live) != 0) {
      refuse_with_503(fd, ctx.stats.spawn_failures);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  live.drain(ctx.cfg.grace, ctx.stats);
  return rc;
}

}  // namespace lab
