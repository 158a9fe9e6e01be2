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

namespace {
struct Job {
  int fd;
  sockaddr_in peer;
  const ModelContext* ctx;
  LiveConns* live;
};

void* serve_job(void* arg) {
  Job* job = static_cast<Job*>(arg);
  serve_blocking(job->fd, job->peer, job->ctx->cfg, job->ctx->stats, /*keepalive_ok=*/true, job->live);
  LiveConns* live = job->live;
  delete job;
  live->thread_exit();  // last touch of shared state
  return nullptr;
}
}  // namespace

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
    live.add(fd);
    live.thread_enter();
    auto* job = new Job{fd, peer, &ctx, &live};
    if (int err = spawn_small_thread(serve_job, job); err != 0) {
      delete job;
      live.remove(fd);
      live.thread_exit();
      refuse_with_503(fd, ctx.stats.spawn_failures);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  live.drain(ctx.cfg.grace, ctx.stats);
  return rc;
}

}  // namespace lab
