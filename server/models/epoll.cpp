// epoll: the shared one-thread reactor (server/reactor/) with the level-triggered epoll: the kernel keeps the interest
// set, a wakeup costs O(ready), not O(watched).
#include "server/model.h"
#include "server/reactor/reactor.h"

namespace lab {

int run_epoll(const ModelContext& ctx) { return run_reactor(ctx, make_epoll_poller(false)); }

}  // namespace lab
