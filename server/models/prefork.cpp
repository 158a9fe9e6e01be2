// prefork: --workers processes (default 4) forked at start, each an iterative server
// accepting on the shared listener (the kernel hands each connection to one of them). A worker
// keeps a connection alive only while no other waits in the accept queue (then its next reply
// says "Connection: close"). The parent only supervises: a worker that dies while the server
// runs is replaced at once.
// At shutdown the parent signals the workers, waits --grace, then kills what is left.
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "server/acceptor.h"
#include "server/blocking_conn.h"
#include "server/children.h"
#include "server/model.h"
#include "server/stop.h"

namespace lab {

namespace {
// Connections waiting for a worker sit in the kernel's accept queue: the listener is readable.
class ListenerBacklog : public WaitingProbe {
 public:
  explicit ListenerBacklog(int fd) : fd_(fd) {}
  bool others_waiting() const override {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
  }

 private:
  int fd_;
};

[[noreturn]] void worker_main(const ModelContext& ctx) {
  Acceptor acceptor(ctx.listen_fd, ctx.stats);
  const ListenerBacklog backlog(ctx.listen_fd);
  ModelContext pooled = ctx;  // a kept-alive connection yields to those waiting
  pooled.waiting = &backlog;
  for (;;) {
    const Accepted a = acceptor.accept();
    if (!a.connection()) _exit(a.kind == Accepted::Kind::kStopped ? 0 : 1);
    serve_blocking(a.fd, a.peer, pooled);
  }
}

bool spawn_worker(const ModelContext& ctx, Children& children) {
  pid_t pid = fork_with_own_stop();
  if (pid == 0) worker_main(ctx);
  if (pid < 0) {
    bump(ctx.stats.spawn_failures);
    std::perror("server: fork(prefork worker)");
    return false;
  }
  children.add(pid);
  return true;
}
}  // namespace

int run_prefork(const ModelContext& ctx) {
  const int n = ctx.cfg.workers > 0 ? ctx.cfg.workers : 4;
  Children children;
  for (int i = 0; i < n; ++i)
    if (!spawn_worker(ctx, children)) break;
  while (!stop_requested()) {
    pollfd p{stop_fd(), POLLIN, 0};
    int r = ::poll(&p, 1, 100);
    if (r < 0 && errno != EINTR) {
      std::perror("server: poll(stop)");
      break;
    }
    children.reap();
    while (!stop_requested() && children.live() < static_cast<std::size_t>(n)) {
      bump(ctx.stats.worker_restarts);
      if (!spawn_worker(ctx, children)) break;
    }
  }
  children.stop_all(ctx.cfg.grace, ctx.stats, /*terminate_first=*/true);
  return 0;
}

}  // namespace lab
