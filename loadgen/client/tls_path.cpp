// HTTPS on the connection's own socket: OpenSSL reads and writes it (a socket BIO), the user waits
// through Asio's reactor only when OpenSSL asks to (client/tls.h).
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "loadgen/client/socket_io.h"
#include "loadgen/run/worker.h"

namespace lab {

namespace {

inline constexpr const char* kClientIoTls = "openssl-socket-bio";

class TlsPath final : public ClientPath {
 public:
  TlsPath(Worker& w, asio::ssl::context& ctx) : ClientPath(w), ctx_(ctx) {}
  const char* name() const override { return kClientIoTls; }
  Task<Outcome> exchange(User& u, const Exchange& x) override;
  void close(User& u, bool clean) override;

 private:
  asio::ssl::context& ctx_;  // the run's client context
};

// Waits until the socket is ready for what OpenSSL asked (handing it to Asio's reactor first).
Task<error_code> tls_wait(Connection& c, TlsWait want) {
  error_code ec;
  if (!c.socket.is_open() && (ec = adopt(c))) co_return ec;
  co_await c.socket.async_wait(want == TlsWait::kRead ? Socket::wait_read : Socket::wait_write,
                               asio::redirect_error(use_task, ec));
  co_return ec;
}

// One request over TLS (https://): connect, handshake (resuming the user's last session), then
// the request and response, OpenSSL reading and writing the socket itself (no BIO pair and no
// copies through it, as through Asio's SSL stream) and the user waiting on the socket only when
// OpenSSL asks to.
Task<Outcome> TlsPath::exchange(User& u, const Exchange& x) {
  Worker& w = w_;
  Connection& c = u.conn;
  const WireRequest& req = x.request;
  error_code ec;
  Outcome o;
  bool fresh = false;
  if (!c.tls) c.tls = std::make_unique<UserTls>();
  UserTls& t = *c.tls;
  int r = 0;
  if (c.fd < 0) {
    bool pending = open_and_connect_fd(w, c, ec);
    if (ec) co_return connect_failed(u, ec);
    Clock::time_point connected = Clock::now();
    o.phases.connect_ns = ns_between(x.start, connected);
    // TCP_NODELAY: the handshake's last flight is still unacknowledged when the request is
    // written, and Nagle would hold the request back until the server's delayed ACK (40 ms).
    const int one = 1;
    if (::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
      co_return fail(classify(errno_code(), false), "setsockopt TCP_NODELAY: " + errno_code().message());
    t.connected = true;  // (from here a failure frees the SSL object: close_connection)
    std::string err;
    if (!attach_tls(t.ssl, ctx_.native_handle(), c.fd, w.workload, w.workload.tls.resume ? t.session.get() : nullptr,
                    err))
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
        o.phases.connect_ns = ns_between(x.start, connected);
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
    if (ec)
      co_return fail(ErrorKind::kTlsHandshake, "TLS handshake: " + tls_failure(ssl, ec, !w.workload.tls.insecure));
    o.phases.tls_ns = ns_between(connected, Clock::now());
    fresh = true;
  }
  SSL* const ssl = t.ssl.get();
  const char* const bytes = req.bytes.data();
  const int size = static_cast<int>(req.bytes.size());
  for (;;) {  // SSL_write returns once all of it is written (no partial writes)
    const TlsWait want = tls_call(
        ssl, [ssl, bytes, size] { return SSL_write(ssl, bytes, size); }, r, ec);
    if (want == TlsWait::kNone) break;
    ec = co_await tls_wait(c, want);
    if (u.timed_out) co_return fail(ErrorKind::kReadTimeout, "write timed out");
    if (ec) break;
  }
  if (ec) co_return fail(classify(ec, false), "write: " + ec.message());
  const Clock::time_point written = Clock::now();
  ResponseParser& parser = c.parser;
  parser.reset();
  parser.set_head_request(req.head);
  bool any = false;
  // As in plain HTTP: read once the queued handlers have run, when the reply has usually arrived,
  // rather than at once into a receive that would find nothing (EAGAIN) and wait anyway.
  co_await asio::post(use_task);
  if (u.timed_out) co_return read_timeout();
  if (w.stopping) co_return fail(ErrorKind::kOther, "stopped");
  std::size_t reads_in_a_row = 0;
  char* const buf = w.read_buf;  // (parsed before the user yields: see UserTls)
  for (;;) {
    if (any && ++reads_in_a_row % kReadsBeforeYield == 0) {  // a server that never pauses (as in exchange)
      co_await asio::post(use_task);
      if (u.timed_out || Clock::now() > u.deadline) co_return read_timeout();
      if (w.stopping) co_return fail(ErrorKind::kOther, "stopped");
    }
    const TlsWait want = tls_call(
        ssl, [ssl, buf] { return SSL_read(ssl, buf, sizeof(Worker::read_buf)); }, r, ec);
    if (want != TlsWait::kNone) {
      ec = co_await tls_wait(c, want);
      if (u.timed_out) co_return read_timeout();
      if (w.stopping) co_return fail(ErrorKind::kOther, "stopped");
      if (ec) co_return fail(classify(ec, false), "read: " + ec.message());
      continue;
    }
    if (ec == asio::ssl::error::stream_truncated && any && parser.close_delimited())
      // Without close_notify an attacker (or a failure) could have cut the stream: a body that
      // runs to the close cannot be known complete (RFC 8446 6.1).
      co_return fail(ErrorKind::kBadResponse,
                     "response truncated: the TLS stream ended without close_notify, so a body that runs to the "
                     "close may be incomplete");
    if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {  // with or without close_notify
      if (auto f = at_eof(parser, any)) co_return *f;
      break;
    }
    if (ec) co_return fail(classify(ec, false), "read: " + ec.message());
    if (auto f = received(o, parser, any, written, buf, static_cast<std::size_t>(r))) co_return *f;
    if (parser.status() == ResponseParser::Status::kComplete) break;
  }
  // TLS 1.3 sends its session tickets after the handshake: by now they have been read.
  if (fresh && w.workload.tls.resume) t.session.reset(SSL_get1_session(ssl));
  co_return finished(w.workload, parser, std::move(o));
}

// Ends the user's connection (TLS state first: it refers to the socket). `clean`: after a complete
// response. OpenSSL marks a connection's session not resumable when the connection is freed
// without a close_notify exchange; loadgen closes without one (as most HTTP clients: the
// response was complete), so it tells OpenSSL the connection ended cleanly. A connection that
// failed keeps OpenSSL's default: its session is not offered again.
// The SSL object of a clean end is kept for the next connection (attach_tls clears it); one of
// a failure is freed (OpenSSL then drops what it may not offer again), and the next is new.
void TlsPath::close(User& u, bool clean) {
  Connection& c = u.conn;
  if (c.tls && c.tls->connected) {
    if (clean)
      SSL_set_shutdown(c.tls->ssl.get(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    else
      c.tls->ssl.reset();
    c.tls->connected = false;
  }
  close_socket(c);
}

}  // namespace

std::unique_ptr<ClientPath> make_tls_path(Worker& w, asio::ssl::context& ctx) {
  return std::make_unique<TlsPath>(w, ctx);
}

}  // namespace lab
