// Plain HTTP through the thread's ring (--client-io uring; client/uring.h): the send and the
// first receive linked in the ring, the response timed by the kernel's receive time, a paced
// user's response reaped without a wake-up of its own.
#include <sys/socket.h>

#include <cerrno>

#include "loadgen/client/socket_io.h"
#include "loadgen/run/worker.h"

namespace lab {

namespace {

inline constexpr const char* kClientIoUring = "io_uring";

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

class UringPath final : public ClientPath {
 public:
  UringPath(Worker& w, std::unique_ptr<UringIo> ring) : ClientPath(w), ring_(std::move(ring)) {}
  const char* name() const override { return kClientIoUring; }
  // First on the thread: it becomes the ring's submitter.
  void start() override {
    asio::post(w_.io, [this] { ring_->enable(); });
  }
  Task<Outcome> exchange(User& u, const Exchange& x) override;
  void cancel(User& u) override {
    ClientPath::cancel(u);
    if (u.conn.ring && u.conn.ring->waiter) ring_->cancel(*u.conn.ring);
  }
  void reap_arrived() override { ring_->reap(); }
  void cancel_all() override {
    ClientPath::cancel_all();
    ring_->cancel_all();
  }

 private:
  std::unique_ptr<UringIo> ring_;
};

// One request on the user's connection (opened here unless kept alive), in plain HTTP through the thread's ring
// (--client-io uring): the send and the first receive go in together, linked; a connection still
// being made holds the send in the kernel until it is writable (or failed). The response's end is
// timed by the kernel's receive time, since the ring is reaped in batches.
Task<Outcome> UringPath::exchange(User& u, const Exchange& x) {
  Worker& w = w_;
  Connection& c = u.conn;
  const WireRequest& req = x.request;
  // How long the user may be left after its response arrived (0: resume it at once).
  Clock::duration reap_within = reap_allowance(x.last_finished, x.due);
  const bool prompt = reap_within == Clock::duration::zero();
  error_code ec;
  Outcome o;
  bool pending = false;  // connect issued, not known to have completed
  if (!c.ring) c.ring = std::make_unique<UringUser>();
  UringUser& ru = *c.ring;
  if (c.fd < 0) {
    pending = open_and_connect_fd(w, c, ec);
    if (ec) co_return connect_failed(u, ec);
    o.phases.connect_ns = ns_between(x.start, Clock::now());
    const int one = 1;  // every receive carries the kernel's receive time
    if (::setsockopt(c.fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one) != 0)
      co_return fail(classify(errno_code(), false), "setsockopt SO_TIMESTAMPNS: " + errno_code().message());
  }
  const int fd = c.fd;
  ResponseParser& parser = c.parser;
  parser.reset();
  parser.set_head_request(req.head);
  parser.set_capture(x.capture);                   // a scenario's check, extraction or cookies: the response kept
  const Clock::time_point written = Clock::now();  // (it leaves at the thread's next enter)
  // A reply that came in more than one read the last time is read promptly: one left in the socket
  // would hold up a server that waits for room to send the rest.
  if (ru.long_reply) reap_within = {};
  int r = co_await ring_->send_and_receive(ru, fd, req.bytes.data(), req.bytes.size(), c.first_buf, sizeof c.first_buf,
                                           reap_within);
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
  const char* data = c.first_buf;
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
    r = co_await ring_->receive(ru, fd, ru.more.data(), ru.more.size());
    data = ru.more.data();
  }
  ru.long_reply = reads > 0;
  o.arrived = ru.arrived;
  o.prompt = prompt;
  co_return finished(w.workload, parser, std::move(o));
}

}  // namespace

std::unique_ptr<ClientPath> make_uring_path(Worker& w, std::unique_ptr<UringIo> ring) {
  return std::make_unique<UringPath>(w, std::move(ring));
}

}  // namespace lab
