// epoll-et: the shared one-thread reactor (server/reactor/) with the edge-triggered epoll: readiness is reported once
// per change, so the reactor accepts and reads until EAGAIN, with a per-wakeup budget so no connection starves the
// rest.
#include "server/model.h"
#include "server/reactor/reactor.h"

namespace lab {

int run_epoll_et(const ModelContext& ctx) { return run_reactor(ctx, make_epoll_poller(true)); }

}  // namespace lab
