// select: the shared one-thread reactor (server/reactor/) with the select(): the fd_set is rebuilt from the interest
// sets and scanned up to the highest fd on every wakeup; fds >= FD_SETSIZE (1024) are answered 503 and closed.
#include "server/model.h"
#include "server/reactor/reactor.h"

namespace lab {

int run_select(const ModelContext& ctx) { return run_reactor(ctx, make_select_poller()); }

}  // namespace lab
