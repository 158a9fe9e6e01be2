// epoll: the shared one-thread reactor (server/reactor/) with the level-triggered epoll: the kernel keeps the interest set, a wakeup costs O(ready), not O(watched).
#include "server/model.h"
#include "server/reactor/reactor.h"

namespace lab {

int run_epoll(const ModelContext& ctx) {
  Reactor reactor(ctx, ctx.listen_fd, make_epoll_poller(false));
  return reactor.run();
}

}  // namespace lab
