#pragma once
// The io_uring driver: one thread, a multishot accept, receives into provided buffers, sends
// batched per wait, each connection's Session driven by completions (driver.cpp).
#include "server/model.h"

namespace lab {

/// Serves ctx's listener until stopped; 1 when the kernel or a sandbox refuses io_uring.
int run_uring_driver(const ModelContext& ctx);

}  // namespace lab
