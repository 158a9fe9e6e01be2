// HTTPS on the connection's own socket: OpenSSL reads and writes it (a socket BIO), the user waits
// through Asio's reactor only when OpenSSL asks to (client/tls.h).

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
  if (c.fd < 0) {
    if (auto f = co_await connect_tls(w, u, c, ctx_, x.start, o)) co_return *f;
    fresh = true;
  }
  UserTls& t = *c.tls;
  int r = 0;
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
  parser.set_capture(x.capture);  // a scenario's check, extraction or cookies: the response kept
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
