// The HTTP/1.1 paths' shared mechanics (client/socket_io.h).
#include "loadgen/client/socket_io.h"

#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "loadgen/run/worker.h"

namespace lab {

Outcome fail(ErrorKind k, std::string detail) {
  Outcome o;
  o.kind = k;
  o.detail = std::move(detail);
  return o;
}

error_code errno_code() { return {errno, asio::error::get_system_category()}; }

namespace {

// The target address for the next connection: the one, or each in turn (--addresses round-robin).
const asio::ip::tcp::endpoint& next_endpoint(Worker& w) {
  const auto& ep = w.addresses[w.next_address];
  if (w.addresses.size() > 1) w.next_address = (w.next_address + 1) % w.addresses.size();
  return ep;
}

// A failed send or receive: would_block (as Asio names EAGAIN), or the system's error.
error_code io_error() {
  return (errno == EAGAIN || errno == EWOULDBLOCK) ? error_code(asio::error::would_block) : errno_code();
}

}  // namespace

Task<error_code> finish_connect(Connection& c) {
  error_code ec;
  co_await c.socket.async_wait(Socket::wait_write, asio::redirect_error(use_task, ec));
  if (ec) co_return ec;
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(c.socket.native_handle(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  co_return error_code(err, asio::error::get_system_category());
}

// A non-blocking connect by hand, on a socket created non-blocking and not handed to Asio (no
// ioctl, no epoll_ctl): with a new connection per request most connections never wait (the
// reply is there when the user reads after the queue has run), and one that has to is handed
// over then (adopt). It does not wait for the connection: on loopback the handshake has
// completed by the time connect() returns EINPROGRESS (the SYN-ACK is processed as the call
// releases the socket), so the request (or the ClientHello) is written at once; only when that
// write finds the connection still pending (EAGAIN) does the user wait until writable and read
// SO_ERROR, as wrk does on every connection. Asio's async_connect always waits: one ioctl, one
// poll(), one epoll_ctl, one getsockopt and a trip through the event loop more per connection.
bool open_and_connect_fd(Worker& w, Connection& c, error_code& ec) {
  const auto& ep = next_endpoint(w);
  c.fd = ::socket(ep.protocol().family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c.fd < 0) {
    ec = errno_code();
    return false;
  }
  c.family_v6 = ep.protocol() == asio::ip::tcp::v6();
  if (::connect(c.fd, ep.data(), static_cast<socklen_t>(ep.size())) == 0) return false;
  if (errno == EINPROGRESS) return true;
  ec = errno_code();
  return false;
}

error_code adopt(Connection& c) {
  error_code ec;
  if (!c.socket.is_open()) c.socket.assign(c.family_v6 ? asio::ip::tcp::v6() : asio::ip::tcp::v4(), c.fd, ec);
  return ec;
}

Outcome connect_failed(const User& u, const error_code& e) {
  if (u.timed_out) return fail(ErrorKind::kConnectTimeout, "connect timed out");
  return fail(classify(e, true), "connect: " + e.message());
}

Outcome read_timeout() { return fail(ErrorKind::kReadTimeout, "no complete response in time"); }

// Without Asio's wrappers: the plain-HTTP path needs neither Asio's operation objects nor glibc's
// cancellation-point bookkeeping (send() and recv() enable and disable asynchronous cancellation
// around each call).
std::size_t send_some(int fd, const char* data, std::size_t n, error_code& ec) {
  for (;;) {
    const long r = ::syscall(SYS_sendto, fd, data, n, MSG_NOSIGNAL, nullptr, 0);
    if (r >= 0) {
      ec = {};
      return static_cast<std::size_t>(r);
    }
    if (errno == EINTR) continue;
    ec = io_error();
    return 0;
  }
}

std::size_t recv_some(int fd, char* data, std::size_t n, error_code& ec) {
  for (;;) {
    const long r = ::syscall(SYS_recvfrom, fd, data, n, 0, nullptr, nullptr);
    if (r > 0) {
      ec = {};
      return static_cast<std::size_t>(r);
    }
    if (r == 0) {
      ec = asio::error::eof;
      return 0;
    }
    if (errno == EINTR) continue;
    ec = io_error();
    return 0;
  }
}

std::optional<Outcome> feed(ResponseParser& parser, const char* data, std::size_t n) {
  const std::size_t used = parser.feed(data, n);
  if (parser.status() == ResponseParser::Status::kError) {
    if (parser.error() == ResponseError::kTlsRecord)
      return fail(ErrorKind::kTlsResponse,
                  "the server answered with a TLS record: this port speaks HTTPS (use an https:// URL)");
    return fail(ErrorKind::kBadResponse, std::string("response ") + to_string(parser.error()));
  }
  if (parser.status() == ResponseParser::Status::kComplete && used != n)
    return fail(ErrorKind::kBadResponse, "bytes after the response");
  return std::nullopt;
}

std::optional<Outcome> received(Outcome& o, ResponseParser& parser, bool& any, Clock::time_point written,
                                const char* data, std::size_t n) {
  if (!any) {
    o.first_byte = Clock::now();
    o.phases.waiting_ns = ns_between(written, o.first_byte);
    any = true;
  }
  return feed(parser, data, n);
}

std::optional<Outcome> at_eof(ResponseParser& parser, bool any) {
  if (!any) return fail(ErrorKind::kClosedWithoutResponse, "connection closed before any response byte");
  if (parser.on_eof() != ResponseParser::Status::kComplete)
    return fail(ErrorKind::kBadResponse, std::string("response ") + to_string(parser.error()));
  return std::nullopt;
}

Outcome finished(const Workload& wl, const ResponseParser& parser, Outcome o) {
  o.bytes = parser.body_bytes();
  o.reusable = wl.keepalive && parser.keep_alive() && !parser.close_delimited();
  o.status = parser.status_code();
  o.ok = wl.expect_status.accepts(o.status);
  if (!o.ok) o.kind = ErrorKind::kUnexpectedStatus;  // the example names the code (WorkerStats)
  return o;
}

void close_socket(Connection& c) {
  error_code ignored;
  if (c.socket.is_open()) {
    c.socket.close(ignored);  // (closes c.fd too when it holds it)
  } else if (c.fd >= 0) {
    // close() on a socket fails only with EBADF (never: the fd is ours) or EINTR/EIO, after
    // which Linux has released the descriptor anyway: there is nothing to retry.
    ::close(c.fd);
  }
  c.fd = -1;
}

void ClientPath::close(User& u, bool /*clean*/) { close_socket(u.conn); }

void ClientPath::cancel(User& u) {
  error_code ignored;
  u.conn.socket.cancel(ignored);
}

void ClientPath::cancel_all() {
  error_code ignored;
  for (auto& u : w_.users)
    if (u->conn.socket.is_open()) u->conn.socket.cancel(ignored);
}

}  // namespace lab
