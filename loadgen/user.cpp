// The virtual user, as Locust's HttpUser: wait until its pacing (pacing.h: think time, none, or
// the next slot of an open-loop schedule) says the next request is due, send it, record it,
// until the run ends. In an open loop the latency is measured from the due time, so a stalled
// server cannot hide (wrk2's correction).
#include "loadgen/worker.h"

#include <sys/socket.h>

#include <cerrno>

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
};

Outcome fail(ErrorKind k, std::string detail) {
  Outcome o;
  o.kind = k;
  o.detail = std::move(detail);
  return o;
}

// A non-blocking connect by hand: open (Asio registers the socket with epoll), make it
// non-blocking, connect. It does not wait for the connection: on loopback the handshake has
// completed by the time connect() returns EINPROGRESS (the SYN-ACK is processed as the call
// releases the socket), so the request is written at once; only when that write finds the
// connection still pending (EAGAIN) does the user wait until writable and read SO_ERROR, as
// wrk does on every connection. Asio's async_connect always waits: one ioctl, one poll(), one
// epoll_ctl, one getsockopt and a trip through the event loop more per connection.
// Returns whether the connection is still pending.
bool open_and_connect(Worker& w, User& u, error_code& ec) {
  const auto& ep = w.endpoints[w.next_endpoint];
  if (w.endpoints.size() > 1) w.next_endpoint = (w.next_endpoint + 1) % w.endpoints.size();
  u.socket.open(ep.protocol(), ec);
  if (!ec) u.socket.non_blocking(true, ec);
  if (ec) return false;
  if (::connect(u.socket.native_handle(), ep.data(), static_cast<socklen_t>(ep.size())) == 0) return false;
  if (errno == EINPROGRESS) return true;
  ec = error_code(errno, asio::error::get_system_category());
  return false;
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

// One request on `u.socket` (opened here unless kept alive).
Task<Outcome> exchange(Worker& w, User& u) {
  error_code ec;
  bool pending = false;  // connect issued, not yet known to have completed
  auto connect_failed = [&u](const error_code& e) {
    if (u.timed_out) return fail(ErrorKind::kConnectTimeout, "connect timed out");
    return fail(classify(e, true), "connect: " + e.message());
  };
  if (!u.socket.is_open()) {
    pending = open_and_connect(w, u, ec);
    if (ec) co_return connect_failed(ec);
    // No TCP_NODELAY: each request is one write sent when nothing is unacknowledged, so Nagle
    // never holds it back, and a new connection per request would pay a setsockopt for nothing.
  }
  // The request is small: one write almost always takes it all.
  std::size_t sent = 0;
  while (sent < w.request.size()) {
    std::size_t n = u.socket.write_some(asio::buffer(w.request.data() + sent, w.request.size() - sent), ec);
    sent += n;
    if (ec == asio::error::would_block) {
      if (pending) {  // still connecting: the write is the first use of the connection
        ec = co_await finish_connect(u);
        if (ec) co_return connect_failed(ec);
        pending = false;
        continue;
      }
      co_await u.socket.async_wait(Socket::wait_write, asio::redirect_error(use_task, ec));
      if (u.timed_out) co_return fail(ErrorKind::kReadTimeout, "write timed out");
    }
    // a refused or failed connection reports its error to the first write
    if (ec) co_return pending ? connect_failed(ec) : fail(classify(ec, false), "write: " + ec.message());
    pending = false;
  }
  ResponseParser& parser = u.parser;
  parser.reset();
  bool any = false;
  // The first read is an asynchronous receive into the user's small buffer, started after the
  // handlers already queued have run (post): by then the reply has usually arrived and Asio's
  // first, speculative receive gets it; otherwise it waits for the edge epoll reports. Started
  // at once it would nearly always find nothing (one wasted recv per request), and waiting for
  // readability instead costs an epoll_ctl per wait (Asio re-arms the descriptor). A reply
  // larger than the small buffer is read on into the worker's shared buffer: directly while
  // bytes keep coming, after readiness when they pause.
  bool first = true, wait_first = false;
  std::size_t reads_in_a_row = 0;
  for (;;) {
    std::size_t n = 0;
    const char* data = w.read_buf;
    if (!first && ++reads_in_a_row % kReadsBeforeYield == 0) {
      // A server that streams without pause never makes a read would-block: let the other
      // users, the timeout sweep and the end of the run have their turn, and check the deadline
      // here, since the sweep cannot interrupt a loop that does not wait.
      co_await asio::post(use_task);
      if (u.timed_out || Clock::now() > u.deadline)
        co_return fail(ErrorKind::kReadTimeout, "no complete response in time");
      if (w.stopping) co_return fail(ErrorKind::kOther, "stopped");
    }
    if (first) {
      first = false;
      co_await asio::post(use_task);  // the queue runs, the reply arrives meanwhile
      // a cancellation (timeout sweep, end of run) during the post had nothing to cancel
      if (u.timed_out) co_return fail(ErrorKind::kReadTimeout, "no complete response in time");
      if (w.stopping) co_return fail(ErrorKind::kOther, "stopped");  // run_user drops it
      n = co_await u.socket.async_read_some(asio::buffer(u.first_buf), asio::redirect_error(use_task, ec));
      if (u.timed_out) co_return fail(ErrorKind::kReadTimeout, "no complete response in time");
      data = u.first_buf;
    } else {
      if (wait_first) {
        co_await u.socket.async_wait(Socket::wait_read, asio::redirect_error(use_task, ec));
        if (u.timed_out) co_return fail(ErrorKind::kReadTimeout, "no complete response in time");
        if (ec) co_return fail(classify(ec, false), "wait: " + ec.message());
      }
      n = u.socket.read_some(asio::buffer(w.read_buf), ec);
      if (ec == asio::error::would_block) {
        wait_first = true;
        continue;
      }
      wait_first = false;
    }
    if (ec == asio::error::eof) {
      if (!any) co_return fail(ErrorKind::kClosedWithoutResponse, "connection closed before any response byte");
      if (parser.on_eof() != ResponseParser::Status::kComplete)
        co_return fail(ErrorKind::kBadResponse, std::string("response ") + to_string(parser.error()));
      break;
    }
    if (ec) co_return fail(classify(ec, false), "read: " + ec.message());
    any = true;
    std::size_t used = parser.feed(data, n);
    if (parser.status() == ResponseParser::Status::kError) {
      if (parser.error() == ResponseError::kTlsRecord)
        co_return fail(ErrorKind::kTlsResponse,
                       "the server answered with a TLS record: this port speaks HTTPS (use an https:// URL)");
      co_return fail(ErrorKind::kBadResponse, std::string("response ") + to_string(parser.error()));
    }
    if (parser.status() == ResponseParser::Status::kComplete) {
      if (used != n) co_return fail(ErrorKind::kBadResponse, "bytes after the response");
      break;
    }
  }
  Outcome o;
  o.bytes = parser.body_bytes();
  o.reusable = w.workload.keepalive && parser.keep_alive() && !parser.close_delimited();
  o.status = parser.status_code();
  o.ok = w.workload.expect_status.accepts(o.status);
  if (!o.ok) o.kind = ErrorKind::kUnexpectedStatus;  // the example names the code (WorkerStats)
  co_return o;
}

std::uint64_t ns_between(Clock::time_point a, Clock::time_point b) {
  return b > a ? static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count()) : 0;
}

}  // namespace

Task<void> run_user(Worker& w, User& u, Clock::time_point first_at) {
  const Workload& wl = w.workload;
  const LoadModel& model = load_model(wl.mode);
  const bool open_loop = model.open_loop();
  UserPacing& pacing = *u.pacing;
  Clock::time_point intended = pacing.first(first_at);
  w.active_users.fetch_add(1, std::memory_order_relaxed);  // active until the end of the run
  error_code ec;
  while (!w.stopping && !u.retiring) {
    auto now = Clock::now();
    if (intended >= w.end) {
      // Its next request falls after the end: it stays an active user to the end, and with
      // --stages it waits there, so that a ramp down still sees it leave.
      if (!wl.stages.empty() && !open_loop) {
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
    Outcome o = co_await exchange(w, u);
    u.deadline = {};
    const Clock::time_point done_at = Clock::now();
    if (w.stopping || done_at > w.end) {  // finished after the end: not part of the run
      w.in_flight_at_stop.fetch_add(1, std::memory_order_relaxed);
      intended = pacing.next(intended, done_at);  // this one was sent
      break;
    }
    if (o.ok) {
      if (open_loop)
        w.stats.record_success(o.status, ns_between(intended, done_at), ns_between(sent_at, done_at), o.bytes, lag);
      else
        w.stats.record_success(o.status, ns_between(sent_at, done_at), 0, o.bytes, lag);
    } else {
      w.stats.record_failure(o.kind, o.status, w.seconds_since_start(done_at), o.detail, ns_between(sent_at, done_at),
                             lag);
    }
    if (!o.reusable && u.socket.is_open()) u.socket.close(ec);
    intended = pacing.next(intended, done_at);
  }
  if (u.socket.is_open()) u.socket.close(ec);
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
    for (; intended < until; intended = pacing.next(intended, until))
      w.stats.record_unsent(ns_between(intended, until));
  }
}
}  // namespace lab
