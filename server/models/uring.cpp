// uring: the io_uring driver (server/uring/): a multishot accept, receives into kernel-chosen
// (provided) buffers, every send and completion of a loop turn in one io_uring_enter.
#include "server/model.h"
#include "server/uring/driver.h"

namespace lab {

int run_uring(const ModelContext& ctx) { return run_uring_driver(ctx); }

}  // namespace lab
