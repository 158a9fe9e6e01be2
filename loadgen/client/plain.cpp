// Plain HTTP on the socket's own non-blocking calls (the sockets path): the request written at
// once, the reply read after the thread's queue has run, Asio's reactor only to wait.
#include "loadgen/client/socket_io.h"
#include "loadgen/run/worker.h"

namespace lab {

namespace {

inline constexpr const char* kClientIoPlain = "sockets";

class PlainPath final : public ClientPath {
 public:
  using ClientPath::ClientPath;
  const char* name() const override { return kClientIoPlain; }
  Task<Outcome> exchange(User& u, const Exchange& x) override;
};

// One request on the user's connection (opened here unless kept alive).
Task<Outcome> PlainPath::exchange(User& u, const Exchange& x) {
  Worker& w = w_;
  Connection& c = u.conn;
  const WireRequest& req = x.request;
  error_code ec;
  Outcome o;
  bool pending = false;  // connect issued, not yet known to have completed
  if (c.fd < 0) {
    pending = open_and_connect_fd(w, c, ec);
    if (ec) co_return connect_failed(u, ec);
    // Connected when connect() returned, or (EINPROGRESS) by then on loopback: corrected below
    // when the first write finds the connection still pending.
    o.phases.connect_ns = ns_between(x.start, Clock::now());
    // No TCP_NODELAY: each request is one write sent when nothing is unacknowledged, so Nagle
    // never holds it back, and a new connection per request would pay a setsockopt for nothing.
  }
  const int fd = c.fd;
  // The request is small: one write almost always takes it all.
  std::size_t sent = 0;
  while (sent < req.bytes.size()) {
    sent += send_some(fd, req.bytes.data() + sent, req.bytes.size() - sent, ec);
    if (ec == asio::error::would_block) {
      if (!c.socket.is_open() && (ec = adopt(c))) co_return fail(classify(ec, false), "epoll_ctl: " + ec.message());
      if (pending) {  // still connecting: the write is the first use of the connection
        ec = co_await finish_connect(c);
        if (ec) co_return connect_failed(u, ec);
        o.phases.connect_ns = ns_between(x.start, Clock::now());
        pending = false;
        continue;
      }
      co_await c.socket.async_wait(Socket::wait_write, asio::redirect_error(use_task, ec));
      if (u.timed_out) co_return fail(ErrorKind::kReadTimeout, "write timed out");
    }
    // a refused or failed connection reports its error to the first write
    if (ec) co_return pending ? connect_failed(u, ec) : fail(classify(ec, false), "write: " + ec.message());
    pending = false;
  }
  const Clock::time_point written = Clock::now();
  ResponseParser& parser = c.parser;
  parser.reset();
  parser.set_head_request(req.head);
  parser.set_capture(x.capture);  // a scenario's check, extraction or cookies: the response kept
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
  bool wait_first = c.socket.is_open();
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
    // A read that waits goes into the connection's own buffer, never the thread's shared one:
    // Asio's reactor fills the buffer when the socket turns readable and resumes the user later,
    // and another user's read in between would overwrite the shared buffer first (one response's
    // bytes were fed to another's parser: a scenario's kept bodies came out mixed, 2 of 9,000
    // requests with 2-4 users). A read that does not wait is fed before anything else runs.
    char* const data = any && !wait_first ? w.read_buf : c.first_buf;
    const std::size_t cap = any && !wait_first ? sizeof w.read_buf : sizeof c.first_buf;
    std::size_t n = 0;
    if (wait_first) {  // Asio's receive: it waits on the socket's registration
      if (!c.socket.is_open() && (ec = adopt(c))) co_return fail(classify(ec, false), "epoll_ctl: " + ec.message());
      n = co_await c.socket.async_read_some(asio::buffer(data, cap), asio::redirect_error(use_task, ec));
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
  co_return finished(w.workload, parser, std::move(o));
}

}  // namespace

std::unique_ptr<ClientPath> make_plain_path(Worker& w) { return std::make_unique<PlainPath>(w); }

}  // namespace lab
