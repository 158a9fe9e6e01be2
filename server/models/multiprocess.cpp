// multiprocess: fork per connection. The child closes the listener, serves, and _exits; the
// parent closes its copy of the connection and reaps children with a WNOHANG loop after every
// accept and at least every 100 ms (SIGCHLD does not queue, so one signal per child is not
// something to count on). Each child has its own stop (a signal to one child stops only it).
// At shutdown the parent signals the children, waits --grace, then kills what is left.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <thread>

#include "common/http/reply.h"
#include "common/net.h"
#include "server/acceptor.h"
#include "server/blocking_conn.h"
#include "server/children.h"
#include "server/model.h"
#include "server/stop.h"

namespace lab {

int run_multiprocess(const ModelContext& ctx) {
  Acceptor acceptor(ctx.listen_fd, ctx.stats);
  Children children;
  int rc = 0;
  for (;;) {
    children.reap();
    const Accepted a = acceptor.accept(/*timeout_ms=*/100);
    if (a.kind == Accepted::Kind::kTimeout) continue;
    if (!a.connection()) {
      rc = a.kind == Accepted::Kind::kStopped ? 0 : 1;
      break;
    }
    pid_t pid = fork_with_own_stop();
    if (pid == 0) {
      ::close(ctx.listen_fd);
      serve_blocking(a.fd, a.peer, ctx);
      _exit(0);
    }
    if (pid < 0) {
      refuse_with_503(a.fd, ctx.stats.spawn_failures, std::chrono::milliseconds(100));
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // fork failing: back off
      continue;
    }
    children.add(pid);
    ::close(a.fd);
  }
  // Each child has a stop of its own: SIGTERM tells it to close an idle connection now and
  // give one mid-request --grace.
  children.stop_all(ctx.cfg.grace, ctx.stats, /*terminate_first=*/true);
  return rc;
}

}  // namespace lab
