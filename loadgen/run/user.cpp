// The virtual user, as Locust's HttpUser: wait until its pacing (pacing/load_model.h: think time, none, or
// the next slot of an open-loop schedule) says the next request is due, send it, record it,
// until the run ends. In an open loop the latency is measured from the due time, so a stalled
// server cannot hide (wrk2's correction).
#include "loadgen/run/worker.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <random>

namespace lab {

namespace {

using boost::system::error_code;

// Reads of the rest of a response taken in a row before the user yields (16 x 64 KiB).
constexpr std::size_t kReadsBeforeYield = 16;

struct Outcome {
  bool ok = false;
  ErrorKind kind = ErrorKind::kOther;
  std::string detail;
  int status = 0;  // the response's code; 0 when none arrived
  std::uint64_t bytes = 0;
  bool reusable = false;  // keep-alive: the connection can carry the next request
  PhaseTimes phases;      // connect, tls, waiting (receiving is done - first_byte)
  Clock::time_point first_byte{};
  Clock::time_point arrived{};  // the kernel's receive time of the response's end (io_uring); {} if not known
};

Outcome fail(ErrorKind k, std::string detail) {
  Outcome o;
  o.kind = k;
  o.detail = std::move(detail);
  return o;
}

std::uint64_t ns_between(Clock::time_point a, Clock::time_point b) {
  return b > a ? static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count()) : 0;
}

// The target address for the next connection: the one, or each in turn (--addresses round-robin).
const asio::ip::tcp::endpoint& next_endpoint(Worker& w) {
  const auto& ep = w.addresses[w.next_address];
  if (w.addresses.size() > 1) w.next_address = (w.next_address + 1) % w.addresses.size();
  return ep;
}

// Waits until a pending connect has finished; its result.
Task<error_code> finish_connect(User& u) {
  error_code ec;
  co_await u.socket.async_wait(Socket::wait_write, asio::redirect_error(use_task, ec));
  if (ec) co_return ec;
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(u.socket.native_handle(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  co_return error_code(err, asio::error::get_system_category());
}

error_code errno_code() { return {errno, asio::error::get_system_category()}; }

// A non-blocking connect by hand, on a socket created non-blocking and not handed to Asio (no
// ioctl, no epoll_ctl): with a new connection per request most connections never wait (the
// reply is there when the user reads after the queue has run), and one that has to is handed
// over then (adopt). It does not wait for the connection: on loopback the handshake has
// completed by the time connect() returns EINPROGRESS (the SYN-ACK is processed as the call
// releases the socket), so the request (or the ClientHello) is written at once; only when that
// write finds the connection still pending (EAGAIN) does the user wait until writable and read
// SO_ERROR, as wrk does on every connection. Asio's async_connect always waits: one ioctl, one
// poll(), one epoll_ctl, one getsockopt and a trip through the event loop more per connection.
// Returns whether the connection is still pending.
bool open_and_connect_fd(Worker& w, User& u, error_code& ec) {
  const auto& ep = next_endpoint(w);
  u.fd = ::socket(ep.protocol().family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (u.fd < 0) {
    ec = errno_code();
    return false;
  }
  u.family_v6 = ep.protocol() == asio::ip::tcp::v6();
  if (::connect(u.fd, ep.data(), static_cast<socklen_t>(ep.size())) == 0) return false;
  if (errno == EINPROGRESS) return true;
  ec = errno_code();
  return false;
}

// http: the connection has to wait: Asio's reactor takes it over (one epoll_ctl) until its close.
error_code adopt(User& u) {
  error_code ec;
  if (!u.socket.is_open()) u.socket.assign(u.family_v6 ? asio::ip::tcp::v6() : asio::ip::tcp::v4(), u.fd, ec);
  return ec;
}

Outcome connect_failed(const User& u, const error_code& e) {
  if (u.timed_out) return fail(ErrorKind::kConnectTimeout, "connect timed out");
  return fail(classify(e, true), "connect: " + e.message());
}

Outcome read_timeout() { return fail(ErrorKind::kReadTimeout, "no complete response in time"); }

// The response bytes just read: nullopt while it is incomplete or complete and well-formed (see
// parser.status()), else the failure.
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

// Bytes of the response arrived (the first of them end the waiting phase): nullopt while the
// response is incomplete or complete and well-formed, else the failure.
std::optional<Outcome> received(Outcome& o, ResponseParser& parser, bool& any, Clock::time_point written,
                                const char* data, std::size_t n) {
  if (!any) {
    o.first_byte = Clock::now();
    o.phases.waiting_ns = ns_between(written, o.first_byte);
    any = true;
  }
  return feed(parser, data, n);
}

// The connection closed: the end of a close-delimited response, or a failure.
std::optional<Outcome> at_eof(ResponseParser& parser, bool any) {
  if (!any) return fail(ErrorKind::kClosedWithoutResponse, "connection closed before any response byte");
  if (parser.on_eof() != ResponseParser::Status::kComplete)
    return fail(ErrorKind::kBadResponse, std::string("response ") + to_string(parser.error()));
  return std::nullopt;
}

// A complete response: success if its status is expected.
Outcome finished(const Worker& w, const ResponseParser& parser, Outcome o) {
  o.bytes = parser.body_bytes();
  o.reusable = w.workload.keepalive && parser.keep_alive() && !parser.close_delimited();
  o.status = parser.status_code();
  o.ok = w.workload.expect_status.accepts(o.status);
  if (!o.ok) o.kind = ErrorKind::kUnexpectedStatus;  // the example names the code (WorkerStats)
  return o;
}

// The socket's own send and receive, without Asio's wrappers: the plain-HTTP path needs neither
// Asio's operation objects nor glibc's cancellation-point bookkeeping (send() and recv() enable
// and disable asynchronous cancellation around each call). A short count or -1 with errno, as
// the system calls; EINTR is retried. MSG_NOSIGNAL: a peer's reset is an error, not SIGPIPE.
// A failed send or receive: would_block (as Asio names EAGAIN), or the system's error.
error_code io_error() {
  return (errno == EAGAIN || errno == EWOULDBLOCK) ? error_code(asio::error::would_block) : errno_code();
}

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

// As send_some; 0 bytes read is the end of the stream (asio::error::eof, as Asio reports it).
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

// One request on `u.socket` (opened here unless kept alive), in plain HTTP.
Task<Outcome> exchange(Worker& w, User& u, const WireRequest& req, Clock::time_point start) {
  error_code ec;
  Outcome o;
  bool pending = false;  // connect issued, not yet known to have completed
  if (u.fd < 0) {
    pending = open_and_connect_fd(w, u, ec);
    if (ec) co_return connect_failed(u, ec);
    // Connected when connect() returned, or (EINPROGRESS) by then on loopback: corrected below
    // when the first write finds the connection still pending.
    o.phases.connect_ns = ns_between(start, Clock::now());
    // No TCP_NODELAY: each request is one write sent when nothing is unacknowledged, so Nagle
    // never holds it back, and a new connection per request would pay a setsockopt for nothing.
  }
  const int fd = u.fd;
  // The request is small: one write almost always takes it all.
  std::size_t sent = 0;
  while (sent < req.bytes.size()) {
    sent += send_some(fd, req.bytes.data() + sent, req.bytes.size() - sent, ec);
    if (ec == asio::error::would_block) {
      if (!u.socket.is_open() && (ec = adopt(u))) co_return fail(classify(ec, false), "epoll_ctl: " + ec.message());
      if (pending) {  // still connecting: the write is the first use of the connection
        ec = co_await finish_connect(u);
        if (ec) co_return connect_failed(u, ec);
        o.phases.connect_ns = ns_between(start, Clock::now());
        pending = false;
        continue;
      }
      co_await u.socket.async_wait(Socket::wait_write, asio::redirect_error(use_task, ec));
      if (u.timed_out) co_return fail(ErrorKind::kReadTimeout, "write timed out");
    }
    // a refused or failed connection reports its error to the first write
    if (ec) co_return pending ? connect_failed(u, ec) : fail(classify(ec, false), "write: " + ec.message());
    pending = false;
  }
  const Clock::time_point written = Clock::now();
  ResponseParser& parser = u.parser;
  parser.reset();
  parser.set_head_request(req.head);
  bool any = false;
  // The first read waits until the handlers already queued have run (post): by then the reply
  // has usually arrived and one receive gets it; otherwise (EAGAIN) Asio's receive waits for it
  // (an async_wait for readability would cost an epoll_ctl per wait: Asio re-arms). Read at once
  // it would nearly always find nothing (one wasted recv per request). The first read goes into
  // the user's small buffer; a reply larger than that is read on into the worker's shared
  // buffer, the same way. Asio's async_read_some for every read would cost a second trip through
  // the scheduler per response (its speculative receive posts the completion) and an operation
  // and a coroutine frame allocated.
  co_await asio::post(use_task);  // the queue runs, the reply arrives meanwhile
  // a cancellation (timeout sweep, end of run) during the post had nothing to cancel
  if (u.timed_out) co_return read_timeout();
  if (w.stopping) co_return fail(ErrorKind::kOther, "stopped");  // run_user drops it
  // A connection Asio holds (it had to wait before) reads through Asio: its receive tries at
  // once, then waits on the registration, so a miss costs one receive, not two.
  bool wait_first = u.socket.is_open();
  std::size_t reads_in_a_row = 0;
  for (;;) {
    if (any && ++reads_in_a_row % kReadsBeforeYield == 0) {
      // A server that streams without pause never makes a read would-block: let the other
      // users, the timeout sweep and the end of the run have their turn, and check the deadline
      // here, since the sweep cannot interrupt a loop that does not wait.
      co_await asio::post(use_task);
      if (u.timed_out || Clock::now() > u.deadline) co_return read_timeout();
      if (w.stopping) co_return fail(ErrorKind::kOther, "stopped");
    }
    char* const data = any ? w.read_buf : u.first_buf;
    const std::size_t cap = any ? sizeof w.read_buf : sizeof u.first_buf;
    std::size_t n = 0;
    if (wait_first) {  // Asio's receive: it waits on the socket's registration
      if (!u.socket.is_open() && (ec = adopt(u))) co_return fail(classify(ec, false), "epoll_ctl: " + ec.message());
      n = co_await u.socket.async_read_some(asio::buffer(data, cap), asio::redirect_error(use_task, ec));
      if (u.timed_out) co_return read_timeout();
      if (w.stopping) co_return fail(ErrorKind::kOther, "stopped");
      wait_first = false;
    } else {
      n = recv_some(fd, data, cap, ec);
      if (ec == asio::error::would_block) {
        wait_first = true;
        continue;
      }
    }
    if (ec == asio::error::eof) {
      if (auto f = at_eof(parser, any)) co_return *f;
      break;
    }
    if (ec) co_return fail(classify(ec, false), "read: " + ec.message());
    if (auto f = received(o, parser, any, written, data, n)) co_return *f;
    if (parser.status() == ResponseParser::Status::kComplete) break;
  }
  co_return finished(w, parser, std::move(o));
}

// One request on `u.fd` (opened here unless kept alive), in plain HTTP through the thread's ring
// (--client-io uring): the send and the first receive go in together, linked; a connection still
// being made holds the send in the kernel until it is writable (or failed). The response's end is
// timed by the kernel's receive time, since the ring is reaped in batches.
// `reap_within`: how long the user may be left after its response arrived (0: resume it at once).
Task<Outcome> exchange_uring(Worker& w, User& u, const WireRequest& req, Clock::time_point start,
                             Clock::duration reap_within) {
  error_code ec;
  Outcome o;
  bool pending = false;  // connect issued, not known to have completed
  if (!u.ring) u.ring = std::make_unique<UringUser>();
  UringUser& ru = *u.ring;
  if (u.fd < 0) {
    pending = open_and_connect_fd(w, u, ec);
    if (ec) co_return connect_failed(u, ec);
    o.phases.connect_ns = ns_between(start, Clock::now());
    const int one = 1;  // every receive carries the kernel's receive time
    if (::setsockopt(u.fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one) != 0)
      co_return fail(classify(errno_code(), false), "setsockopt SO_TIMESTAMPNS: " + errno_code().message());
  }
  const int fd = u.fd;
  ResponseParser& parser = u.parser;
  parser.reset();
  parser.set_head_request(req.head);
  const Clock::time_point written = Clock::now();  // (it leaves at the thread's next enter)
  // A reply that came in more than one read the last time is read promptly: one left in the socket
  // would hold up a server that waits for room to send the rest.
  if (ru.long_reply) reap_within = {};
  int r = co_await w.uring->send_and_receive(ru, fd, req.bytes.data(), req.bytes.size(), u.first_buf,
                                             sizeof u.first_buf, reap_within);
  if (ru.send_result != 0) {  // the send failed (and its receive was cancelled)
    if (u.timed_out)
      co_return fail(pending ? ErrorKind::kConnectTimeout : ErrorKind::kReadTimeout,
                     pending ? "connect timed out" : "write timed out");
    if (w.stopping) co_return fail(ErrorKind::kOther, "stopped");
    if (ru.send_result > 0) {  // part of it went: the ring's send stopped on an error it does not return
      int err = 0;
      socklen_t len = sizeof err;
      if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err != 0) {
        ec = error_code(err, asio::error::get_system_category());
        co_return fail(classify(ec, false), "write: " + ec.message());
      }
      // (the error was the send's, already taken: a peer that closed or reset mid-request, as the
      // sockets path reports it: docs/reliability.md, round 4)
      co_return fail(ErrorKind::kReset, "write: the connection was closed within the request (" +
                                            std::to_string(ru.send_result) + " of " + std::to_string(req.bytes.size()) +
                                            " bytes sent)");
    }
    ec = error_code(-ru.send_result, asio::error::get_system_category());
    // a refused or failed connection reports its error to the first write
    co_return pending ? connect_failed(u, ec) : fail(classify(ec, false), "write: " + ec.message());
  }
  bool any = false;
  std::size_t reads = 0;
  const char* data = u.first_buf;
  for (;;) {
    if (u.timed_out) co_return read_timeout();
    if (w.stopping) co_return fail(ErrorKind::kOther, "stopped");
    if (r == 0) {
      if (auto f = at_eof(parser, any)) co_return *f;
      break;
    }
    if (r < 0) {
      ec = error_code(-r, asio::error::get_system_category());
      co_return fail(classify(ec, false), "read: " + ec.message());
    }
    if (!any) {
      o.first_byte = ru.arrived;
      o.phases.waiting_ns = ns_between(written, ru.arrived);
      any = true;
    }
    if (auto f = feed(parser, data, static_cast<std::size_t>(r))) co_return *f;
    if (parser.status() == ResponseParser::Status::kComplete) break;
    // The rest: read at once while the socket has it, into the thread's shared buffer (parsed
    // before the user yields, as on the sockets path: one system call per 64 KiB); through the
    // ring only when it must wait, and every kReadsBeforeYield-th read, so that the sweep and the
    // end of the run get their turn against a server that never pauses.
    if (++reads % kReadsBeforeYield != 0) {
      const ssize_t n = ::recv(fd, w.read_buf, sizeof w.read_buf, MSG_DONTWAIT);
      if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        r = n >= 0 ? static_cast<int>(n) : -errno;
        if (n > 0) ru.arrived = Clock::now();  // (in the socket by now: no kernel time for it)
        data = w.read_buf;
        continue;
      }
    } else if (Clock::now() > u.deadline) {
      co_return read_timeout();
    }
    // The rest goes into the user's own buffer: other users' receives are in the ring meanwhile.
    if (ru.more.empty()) ru.more.resize(UringUser::kMoreBytes);
    r = co_await w.uring->receive(ru, fd, ru.more.data(), ru.more.size());
    data = ru.more.data();
  }
  ru.long_reply = reads > 0;
  o.arrived = ru.arrived;
  co_return finished(w, parser, std::move(o));
}

// Waits until the socket is ready for what OpenSSL asked (handing it to Asio's reactor first).
Task<error_code> tls_wait(User& u, TlsWait want) {
  error_code ec;
  if (!u.socket.is_open() && (ec = adopt(u))) co_return ec;
  co_await u.socket.async_wait(want == TlsWait::kRead ? Socket::wait_read : Socket::wait_write,
                               asio::redirect_error(use_task, ec));
  co_return ec;
}

// One request over TLS (https://): connect, handshake (resuming the user's last session), then
// the request and response, OpenSSL reading and writing the socket itself (no BIO pair and no
// copies through it, as through Asio's SSL stream) and the user waiting on the socket only when
// OpenSSL asks to.
Task<Outcome> exchange_tls(Worker& w, User& u, const WireRequest& req, Clock::time_point start) {
  error_code ec;
  Outcome o;
  bool fresh = false;
  if (!u.tls) u.tls = std::make_unique<UserTls>();
  UserTls& t = *u.tls;
  int r = 0;
  if (u.fd < 0) {
    bool pending = open_and_connect_fd(w, u, ec);
    if (ec) co_return connect_failed(u, ec);
    Clock::time_point connected = Clock::now();
    o.phases.connect_ns = ns_between(start, connected);
    // TCP_NODELAY: the handshake's last flight is still unacknowledged when the request is
    // written, and Nagle would hold the request back until the server's delayed ACK (40 ms).
    const int one = 1;
    if (::setsockopt(u.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
      co_return fail(classify(errno_code(), false), "setsockopt TCP_NODELAY: " + errno_code().message());
    t.connected = true;  // (from here a failure frees the SSL object: close_connection)
    std::string err;
    if (!attach_tls(t.ssl, w.tls->native_handle(), u.fd, w.workload, w.workload.tls.resume ? t.session.get() : nullptr,
                    err))
      co_return fail(ErrorKind::kTlsHandshake, err);
    SSL* const ssl = t.ssl.get();
    for (;;) {
      const TlsWait want = tls_call(
          ssl, [ssl] { return SSL_connect(ssl); }, r, ec);
      if (want == TlsWait::kNone) break;
      if (pending && want == TlsWait::kWrite) {  // the ClientHello met a connection still pending
        if (!u.socket.is_open() && (ec = adopt(u))) co_return fail(classify(ec, false), "epoll_ctl: " + ec.message());
        ec = co_await finish_connect(u);
        if (ec) co_return connect_failed(u, ec);
        connected = Clock::now();
        o.phases.connect_ns = ns_between(start, connected);
        pending = false;
        continue;
      }
      pending = false;  // the ClientHello is out: connected
      ec = co_await tls_wait(u, want);
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
    ec = co_await tls_wait(u, want);
    if (u.timed_out) co_return fail(ErrorKind::kReadTimeout, "write timed out");
    if (ec) break;
  }
  if (ec) co_return fail(classify(ec, false), "write: " + ec.message());
  const Clock::time_point written = Clock::now();
  ResponseParser& parser = u.parser;
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
      ec = co_await tls_wait(u, want);
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
  co_return finished(w, parser, std::move(o));
}

// Ends the user's connection (TLS state first: it refers to the socket). `clean`: after a complete
// response. OpenSSL marks a connection's session not resumable when the connection is freed
// without a close_notify exchange; loadgen closes without one (as most HTTP clients: the
// response was complete), so it tells OpenSSL the connection ended cleanly. A connection that
// failed keeps OpenSSL's default: its session is not offered again.
// The SSL object of a clean end is kept for the next connection (attach_tls clears it); one of
// a failure is freed (OpenSSL then drops what it may not offer again), and the next is new.
void close_connection(User& u, bool clean = false) {
  if (u.tls && u.tls->connected) {
    if (clean)
      SSL_set_shutdown(u.tls->ssl.get(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    else
      u.tls->ssl.reset();
    u.tls->connected = false;
  }
  error_code ignored;
  if (u.socket.is_open()) {
    u.socket.close(ignored);  // (closes u.fd too when it holds it)
  } else if (u.fd >= 0) {
    // close() on a socket fails only with EBADF (never: the fd is ours) or EINTR/EIO, after
    // which Linux has released the descriptor anyway: there is nothing to retry.
    ::close(u.fd);
  }
  u.fd = -1;
}

// How long a user on the ring may wait after its response arrived before it is resumed (the
// thread is not woken for it: the response is timed by the kernel): a sixteenth of the time it
// last waited between a response and its next due time, at most 1 ms; 0 (resumed at once) below
// 50 us, and for a user that had no wait (a closed loop without pauses, an open loop running
// late: its next request is due as soon as the response is in) or no response yet. A sixteenth:
// a next request due sooner after a response than that is rare, and late by at most that.
Clock::duration reap_allowance(Clock::time_point last_finished, Clock::time_point due) {
  if (last_finished == Clock::time_point{}) return Clock::duration::zero();
  const Clock::duration d = std::min<Clock::duration>(std::chrono::milliseconds(1), (due - last_finished) / 16);
  return d < std::chrono::microseconds(50) ? Clock::duration::zero() : d;
}

}  // namespace

Task<void> run_user(Worker& w, User& u, Clock::time_point first_at) {
  const Workload& wl = w.workload;
  const LoadModel& model = w.model;
  const bool open_loop = model.open_loop();
  UserPacing& pacing = *u.pacing;
  Clock::time_point intended = pacing.first(first_at);
  Clock::time_point last_finished{};  // when its last request finished ({} before the first)
  u.picker.restart();                 // a user that starts again (stages) runs its start sequence again
  const std::size_t rows = w.requests.rows();
  if (wl.data.given() && wl.data.per == DataPer::kUser)  // the row it keeps
    u.data_row = wl.data.order == DataOrder::kRandom
                     ? std::uniform_int_distribution<std::size_t>(0, rows - 1)(w.data_rng)
                     : static_cast<std::size_t>(u.id) % rows;
  w.active_users.fetch_add(1, std::memory_order_relaxed);  // active until the end of the run
  error_code ec;
  while (!w.stopping && !u.retiring) {
    auto now = Clock::now();
    if (intended >= w.end) {
      // Its next request falls after the end: it stays an active user to the end, and with
      // a plan (--stages, or a steered run) it waits there, so that a ramp down still sees it
      // leave and the plan does not start it again.
      if (!w.plan.empty() && !open_loop) {
        u.timer.expires_at(w.end);
        co_await u.timer.async_wait(asio::redirect_error(use_task, ec));
      }
      break;
    }
    // Lag is the client's own lateness: how late it woke for a request it was waiting to send.
    // A request already due (the previous response came late) is the server's doing: in an
    // open loop it shows in the corrected latency instead.
    std::uint64_t lag = 0;
    if (intended > now) {
      u.timer.expires_at(intended);
      co_await u.timer.async_wait(asio::redirect_error(use_task, ec));
      if (w.stopping || u.retiring) break;
      now = Clock::now();
      lag = ns_between(intended, now);
    } else if (open_loop && intended < now) {
      w.stats.record_late_send(ns_between(intended, now));
    }
    const Clock::time_point sent_at = now;
    u.timed_out = false;
    u.deadline = sent_at + wl.timeout;
    const int k = u.picker.next(u.rng);
    std::size_t row = u.data_row;
    if (rows > 1 && wl.data.per == DataPer::kRequest)  // this request's row: in turn across threads, or drawn
      row = wl.data.order == DataOrder::kRandom
                ? std::uniform_int_distribution<std::size_t>(0, rows - 1)(w.data_rng)
                : static_cast<std::size_t>(
                      (static_cast<std::uint64_t>(w.index) + static_cast<std::uint64_t>(wl.threads) * w.data_turn++) %
                      rows);
    const WireRequest& req = w.requests.get(row, static_cast<std::size_t>(k), u.built);
    Outcome o;                    // (not one co_await of a conditional expression: GCC 12 destroys its temporary twice)
    Clock::duration allowance{};  // the ring: how long its response may wait unreaped (0: none)
    if (w.tls)
      o = co_await exchange_tls(w, u, req, sent_at);
    else if (w.uring)
      o = co_await exchange_uring(w, u, req, sent_at, allowance = reap_allowance(last_finished, intended));
    else
      o = co_await exchange(w, u, req, sent_at);
    u.deadline = {};
    const Clock::time_point done_at = Clock::now();
    // A response that was to resume its user at once, and sat in the kernel: the client's delay.
    if (w.uring && allowance == Clock::duration::zero() && o.arrived != Clock::time_point{} && o.arrived < done_at)
      w.stats.record_reap(ns_between(o.arrived, done_at));
    // The response's end: when the kernel received it if known (a batched reap is later), else now.
    const Clock::time_point end_at = o.arrived != Clock::time_point{} ? std::min(o.arrived, done_at) : done_at;
    const bool responded = o.ok || o.kind == ErrorKind::kUnexpectedStatus;  // a complete response: timed
    // When it finished: a response, when it arrived (the ring may resume its user later); else now.
    const Clock::time_point finished = responded ? end_at : done_at;
    last_finished = finished;
    if (w.stopping || finished > w.end) {  // finished after the end: not part of the run
      w.in_flight_at_stop.fetch_add(1, std::memory_order_relaxed);
      intended = pacing.next(intended, finished);  // this one was sent
      break;
    }
    const int name = w.by_name ? k : -1;
    if (responded) o.phases.receiving_ns = ns_between(o.first_byte, end_at);
    if (o.ok) {
      if (open_loop)
        w.stats.record_success(o.status, ns_between(intended, end_at), ns_between(sent_at, end_at), o.bytes, lag, name,
                               o.phases);
      else
        w.stats.record_success(o.status, ns_between(sent_at, end_at), 0, o.bytes, lag, name, o.phases);
    } else {
      w.stats.record_failure(o.kind, o.status, w.seconds_since_start(done_at), o.detail, ns_between(sent_at, done_at),
                             lag, name, responded ? &o.phases : nullptr);
    }
    if (!o.reusable) close_connection(u, responded);
    const auto& think = wl.scenario.requests[static_cast<std::size_t>(k)].think;
    intended = think ? pacing.next_after(intended, finished, *think) : pacing.next(intended, finished);
  }
  close_connection(u);
  // This activation, for the ideal schedule: a user that left (stages) ends now; one still
  // active at the end of the run is active to the end.
  const bool left = u.retiring && !w.stopping;
  w.activations_s.emplace_back(u.started_s, left ? w.seconds_since_start(Clock::now()) : -1.0);
  if (left) w.active_users.fetch_sub(1, std::memory_order_relaxed);
  u.retiring = false;
  u.running = false;
  // Open loop: the slots of this user's schedule that fell before the end but were never sent
  // (it was still waiting for a response). Each would have waited at least until the end.
  if (open_loop) {
    const Clock::time_point until = std::min(w.end, w.stopped_at);
    if (intended < until) w.stats.record_unsent(pacing.unsent(intended, until));
  }
}
}  // namespace lab
