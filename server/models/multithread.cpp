// multithread: a detached thread per connection with a 128 KiB stack. --max-threads bounds
// the live threads (default: half the fd limit, at most 10,000); at the bound the acceptor
// waits for a thread to finish instead of failing. If pthread_create fails, that client gets
// a 503 and the server goes on.
#include "server/acceptor.h"
#include "server/blocking_conn.h"
#include "server/live_conns.h"
#include "server/model.h"

namespace lab {

int run_multithread(const ModelContext& ctx) {
  Acceptor acceptor(ctx.listen_fd, ctx.stats);
  LiveConns live;
  int rc = 0;
  // At the bound, stop accepting until a thread finishes: clients wait in the listen queue.
  while (live.wait_for_slot(ctx.cfg.thread_limit())) {
    const Accepted a = acceptor.accept();
    if (!a.connection()) {
      rc = a.kind == Accepted::Kind::kStopped ? 0 : 1;
      break;
    }
    if (!serve_on_new_thread(a.fd, a.peer, ctx, live)) break;
  }
  live.drain(ctx.cfg.grace, ctx.stats);
  return rc;
}

}  // namespace lab
