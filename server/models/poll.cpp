// poll: the shared one-thread reactor (server/reactor/) with the poll(): no FD_SETSIZE ceiling, but the whole pollfd
// array is passed to the kernel and scanned on every wakeup.
#include "server/model.h"
#include "server/reactor/reactor.h"

namespace lab {

int run_poll(const ModelContext& ctx) { return run_reactor(ctx, make_poll_poller()); }

}  // namespace lab
