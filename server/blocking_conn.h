#pragma once
// Serves one connection to completion on the calling thread: the driver the blocking models
// share (single, multiprocess, multithread, select-seed, threadpool, prefork).
#include <netinet/in.h>

#include "server/config.h"
#include "server/live_conns.h"
#include "server/stats.h"

namespace lab {

/// Reads (with a --read-timeout deadline per request), answers, writes, and closes the fd
/// with a lingering close. Keep-alive is honoured when `keepalive_ok` (http11 only). Returns
/// when the connection is closed. Takes ownership of `fd`; if `live` is given, the fd is
/// removed from it just before it is closed (so a reused fd number is never confused).
void serve_blocking(int fd, const sockaddr_in& peer, const ServerConfig& cfg, ServerStats& stats,
                    bool keepalive_ok, LiveConns* live = nullptr);

/// Thread per connection (multithread, select-seed): registers the fd and the thread in `live`
/// and serves the connection with serve_blocking on a new detached small-stack thread. Returns
/// 0, or the errno of a failed pthread_create, in which case the fd is unregistered and still
/// the caller's (to refuse).
int serve_on_new_thread(int fd, const sockaddr_in& peer, const ServerConfig& cfg, ServerStats& stats,
                        bool keepalive_ok, LiveConns& live);

}  // namespace lab
