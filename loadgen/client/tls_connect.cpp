// The TLS connection both TLS paths open (HTTP/1.1's client/tls_path.cpp and HTTP/2's
// client/h2_path.cpp): connect, TCP_NODELAY, the handshake with SNI, name check and resumption.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "loadgen/client/socket_io.h"
#include "loadgen/run/worker.h"

namespace lab {

Task<error_code> tls_wait(Connection& c, TlsWait want) {
  error_code ec;
  if (!c.socket.is_open() && (ec = adopt(c))) co_return ec;
  co_await c.socket.async_wait(want == TlsWait::kRead ? Socket::wait_read : Socket::wait_write,
                               asio::redirect_error(use_task, ec));
  co_return ec;
}

Task<std::optional<Outcome>> connect_tls(Worker& w, const User& u, Connection& c, asio::ssl::context& ctx,
                                         Clock::time_point start, Outcome& o) {
  error_code ec;
  if (!c.tls) c.tls = std::make_unique<UserTls>();
  UserTls& t = *c.tls;
  int r = 0;
  bool pending = open_and_connect_fd(w, c, ec);
  if (ec) co_return connect_failed(u, ec);
  Clock::time_point connected = Clock::now();
  o.phases.connect_ns = ns_between(start, connected);
  // TCP_NODELAY: the handshake's last flight is still unacknowledged when the request is
  // written, and Nagle would hold the request back until the server's delayed ACK (40 ms).
  const int one = 1;
  if (::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
    co_return fail(classify(errno_code(), false), "setsockopt TCP_NODELAY: " + errno_code().message());
  t.connected = true;  // (from here a failure frees the SSL object: the path's close)
  std::string err;
  if (!attach_tls(t.ssl, ctx.native_handle(), c.fd, w.workload, w.workload.tls.resume ? t.session.get() : nullptr, err))
    co_return fail(ErrorKind::kTlsHandshake, err);
  SSL* const ssl = t.ssl.get();
  for (;;) {
    const TlsWait want = tls_call(
        ssl, [ssl] { return SSL_connect(ssl); }, r, ec);
    if (want == TlsWait::kNone) break;
    if (pending && want == TlsWait::kWrite) {  // the ClientHello met a connection still pending
      if (!c.socket.is_open() && (ec = adopt(c))) co_return fail(classify(ec, false), "epoll_ctl: " + ec.message());
      ec = co_await finish_connect(c);
      if (ec) co_return connect_failed(u, ec);
      connected = Clock::now();
      o.phases.connect_ns = ns_between(start, connected);
      pending = false;
      continue;
    }
    pending = false;  // the ClientHello is out: connected
    ec = co_await tls_wait(c, want);
    if (u.timed_out) co_return fail(ErrorKind::kConnectTimeout, "TLS handshake timed out");
    if (ec) co_return fail(classify(ec, false), "TLS handshake: " + ec.message());
  }
  // a refused or failed connection reports its error to the ClientHello's write
  if (ec && pending) co_return connect_failed(u, ec);
  if (ec) co_return fail(ErrorKind::kTlsHandshake, "TLS handshake: " + tls_failure(ssl, ec, !w.workload.tls.insecure));
  o.phases.tls_ns = ns_between(connected, Clock::now());
  co_return std::nullopt;
}

}  // namespace lab
