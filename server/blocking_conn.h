#pragma once
// Serves one connection to completion on the calling thread: the driver the blocking models
// share (single, multiprocess, multithread, select-seed, threadpool, prefork).
#include <netinet/in.h>

#include "server/live_conns.h"
#include "server/model.h"

namespace lab {

/// Reads (with a --read-timeout deadline per request), answers, writes, and closes the fd
/// with a lingering close. Returns when the connection is closed. Takes ownership of `fd`; if
/// `live` is given, the fd is removed from it just before it is closed (so a reused fd number
/// is never confused).
void serve_blocking(int fd, const sockaddr_in& peer, const ModelContext& ctx, LiveConns* live = nullptr);

/// Thread per connection (multithread, select-seed): waits for a slot under the model's thread
/// bound (false if stopping), then registers the fd and the thread in `live` and serves the
/// connection with serve_blocking on a new detached small-stack thread. If the thread cannot
/// be started the client is refused with a 503 (counted as a spawn failure).
bool serve_on_new_thread(int fd, const sockaddr_in& peer, const ModelContext& ctx, LiveConns& live);

}  // namespace lab
