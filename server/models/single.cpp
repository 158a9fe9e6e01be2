// single: the iterative server. One connection at a time; --read-timeout bounds how long a
// silent client can hold everyone else up. Keep-alive is not offered (one idle client would
// block the rest), so http11 replies carry "Connection: close".
#include "server/acceptor.h"
#include "server/blocking_conn.h"
#include "server/model.h"

namespace lab {

int run_single(const ModelContext& ctx) {
  Acceptor acceptor(ctx.listen_fd, ctx.stats);
  for (;;) {
    sockaddr_in peer{};
    int fd = acceptor.accept(peer);
    if (fd == Acceptor::kStopped) return 0;
    if (fd == Acceptor::kFatal) return 1;
    serve_blocking(fd, peer, ctx.cfg, ctx.stats, /*keepalive_ok=*/false);
  }
}

}  // namespace lab
