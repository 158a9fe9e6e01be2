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
    const Accepted a = acceptor.accept();
    if (!a.connection()) return a.kind == Accepted::Kind::kStopped ? 0 : 1;
    serve_blocking(a.fd, a.peer, ctx);
  }
}

}  // namespace lab
