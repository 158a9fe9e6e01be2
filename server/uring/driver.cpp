// The io_uring driver (the uring model's loop; server/models/uring.cpp): one thread driving io_uring (liburing). A
// multishot accept; a receive per connection into a ring of kernel-chosen (provided) buffers, one-shot for the first
// request and multishot once the connection is kept alive; sends queued and handed to the kernel with the next wait, so
// one io_uring_enter per loop turn carries every send and collects every completion. The completions drive the same
// Session every model uses; deadlines and the connection table are the reactor's (server/deadline.h,
// server/conn_table.h). When the kernel or a sandbox refuses io_uring (or lacks what this needs: Linux 6.0), the model
// says so and exits 1.
#include <liburing.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

#include "common/net.h"
#include "server/conn_table.h"
#include "server/deadline.h"
#include "server/model.h"
#include "server/uring/driver.h"
#include "server/uring/buffers.h"
#include "server/session.h"
#include "server/stop.h"

namespace lab {

namespace {

enum Op : std::uint64_t { kAccept = 1, kRecv, kSend, kWritable, kStop, kCancel };
constexpr std::uint64_t ud(int fd, Op op) { return (static_cast<std::uint64_t>(fd) << 8) | op; }

// The submission queue stayed full after a submit: nothing can be queued, the model stops.
struct RingError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class UringServer {
 public:
  explicit UringServer(const ModelContext& ctx) : ctx_(ctx), conns_(ctx.cfg.fd_limit + 16) {}
  ~UringServer() {
    conns_.for_each([](Conn& c) { ::close(c.fd); });
    if (ready_) io_uring_queue_exit(&ring_);
  }

  int run() {
    if (int err = init_ring(); err < 0) {
      std::fprintf(stderr,
                   "server: uring: io_uring is not available here: %s (errno %d); "
                   "this model cannot run on this kernel or sandbox\n",
                   std::strerror(-err), -err);
      return 1;
    }
    ready_ = true;
    if (int err = buffers_.init(&ring_); err < 0) {
      std::fprintf(stderr,
                   "server: uring: cannot register provided buffers: %s (errno %d); "
                   "this model needs Linux 6.0 or later\n",
                   std::strerror(-err), -err);
      return 1;
    }
    // Optional: saves a file lookup per io_uring_enter; without it the ring works the same.
    if (int r = io_uring_register_ring_fd(&ring_); r < 0 && ctx_.cfg.verbose)
      std::fprintf(stderr, "server: uring: ring fd not registered (%s), continuing\n", std::strerror(-r));
    try {
      serve();
    } catch (const RingError& e) {
      std::fprintf(stderr, "server: uring: %s\n", e.what());
      return 1;
    }
    conns_.for_each([this](Conn& c) {
      bump(ctx_.stats.forced_closes);
      ::close(c.fd);
      conns_.erase(c.fd);
    });
    return 0;
  }

 private:
  using Clock = std::chrono::steady_clock;
  static constexpr std::size_t kMaxHeld = 64 * 1024;  // input held while a send is in flight

  // What a connection is doing: serving requests, lingering (shut down for writing, discarding
  // input until EOF or the linger deadline), or closing (closed once nothing is in flight).
  enum class Phase : std::uint8_t { kServing, kLingering, kClosing };
  enum class Recv : std::uint8_t { kIdle, kArmed, kCancelling };
  // A send, or the POLLOUT poll that waits to send again: while either is in flight the
  // Session's output must not move.
  enum class Send : std::uint8_t { kIdle, kSending, kPolling };

  struct Conn {
    Conn(const ModelContext& ctx, int fd_) : fd(fd_), session(ctx, &peer) {}
    int fd;
    sockaddr_in peer{};
    Session session;
    std::string held;  // bytes received while a send was in flight (fed after it)
    Phase phase = Phase::kServing;
    Recv recv = Recv::kIdle;
    bool multishot = false;
    Send send = Send::kIdle;
    bool peer_eof = false;  // the peer's FIN came while a send was in flight (held bytes first)
    bool waiting = false;   // a backend-wait deadline is armed
    std::uint64_t gen = 0;
    std::uint64_t written_mark = 0;  // session.bytes_written() when the deadline was armed
  };

  void serve() {
    submit_accept();
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_poll_add(sqe, stop_fd(), POLLIN);
    io_uring_sqe_set_data64(sqe, ud(0, kStop));
    for (;;) {
      auto now = Clock::now();
      if (stopping_ && (conns_.live() == 0 || now >= grace_end_)) return;
      if (accept_paused_ && !stopping_ && now >= resume_accept_) {
        accept_paused_ = false;
        if (!accepting_) submit_accept();
      }
      __kernel_timespec ts = to_ts(next_timeout(now));
      io_uring_cqe* cqe = nullptr;
      int r = io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
      if (r < 0 && r != -ETIME && r != -EINTR) throw RingError(std::string("wait: ") + std::strerror(-r));
      unsigned head;
      unsigned n = 0;
      io_uring_for_each_cqe(&ring_, head, cqe) {
        on_completion(*cqe);
        ++n;
      }
      io_uring_cq_advance(&ring_, n);
      deadlines_.expire(Clock::now(), [this](const TimerQueue::Entry& e) { on_deadline_fired(e); });
    }
  }

  // The cheapest setup the kernel accepts: completions run only when this thread waits for them
  // (DEFER_TASKRUN, 6.1+), else without interrupting it (COOP_TASKRUN, 5.19+), else plain.
  int init_ring() {
    int err = -EINVAL;
    for (unsigned flags : {IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN, IORING_SETUP_COOP_TASKRUN, 0u}) {
      io_uring_params params{};
      params.flags = flags;
      err = io_uring_queue_init_params(4096, &ring_, &params);
      if (err != -EINVAL) return err;
    }
    return err;
  }

  io_uring_sqe* get_sqe() {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    while (!sqe) {  // submission queue full: hand it to the kernel and retry
      if (int r = io_uring_submit(&ring_); r < 0 && r != -EINTR && r != -EAGAIN)
        throw RingError(std::string("submit with a full queue: ") + std::strerror(-r));  // retrying could only spin
      sqe = io_uring_get_sqe(&ring_);
    }
    return sqe;
  }

  void submit_accept() {
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_multishot_accept(sqe, ctx_.listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    io_uring_sqe_set_data64(sqe, ud(0, kAccept));
    accepting_ = true;
  }

  // One-shot until the connection has been answered and kept open (most connections of the
  // seed protocol see one request); multishot from then on, so a kept-alive connection is
  // armed once, not once per request.
  void arm_recv(Conn& c) {
    io_uring_sqe* sqe = get_sqe();
    c.multishot = c.session.replies() > 0 && multishot_ok_;
    if (c.multishot) {
      io_uring_prep_recv_multishot(sqe, c.fd, nullptr, 0, 0);
    } else {
      io_uring_prep_recv(sqe, c.fd, nullptr, BufferRing::kSize, 0);
    }
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = BufferRing::kGroup;
    io_uring_sqe_set_data64(sqe, ud(c.fd, kRecv));
    c.recv = Recv::kArmed;
  }

  void cancel_recv(Conn& c) {
    if (c.recv != Recv::kArmed) return;
    c.recv = Recv::kCancelling;
    cancel(ud(c.fd, kRecv));
  }

  // Sends never block: MSG_DONTWAIT makes a full socket answer -EAGAIN (then a POLLOUT poll
  // and a new send) instead of the kernel retrying on its own, which, after repeated wakeups,
  // hands the send to an io-wq worker thread that blocks in it for as long as the peer does
  // not read (a thread per stuck client, kept afterwards).
  void submit_send(Conn& c) {
    std::string_view out = c.session.pending();
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_send(sqe, c.fd, out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    io_uring_sqe_set_data64(sqe, ud(c.fd, kSend));
    c.send = Send::kSending;
  }

  void wait_writable(Conn& c) {
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_poll_add(sqe, c.fd, POLLOUT);
    io_uring_sqe_set_data64(sqe, ud(c.fd, kWritable));
    c.send = Send::kPolling;
  }

  void cancel(std::uint64_t target) {
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_cancel64(sqe, target, 0);
    io_uring_sqe_set_data64(sqe, ud(0, kCancel));
  }

  void on_completion(const io_uring_cqe& cqe) {
    const Op op = static_cast<Op>(cqe.user_data & 0xff);
    const int fd = static_cast<int>(cqe.user_data >> 8);
    const bool more = cqe.flags & IORING_CQE_F_MORE;
    switch (op) {
      case kAccept: return on_accept(cqe.res, more);
      case kStop: return begin_stop();
      case kCancel: return;
      default: break;
    }
    const bool has_buffer = op == kRecv && (cqe.flags & IORING_CQE_F_BUFFER);
    const unsigned buffer = cqe.flags >> IORING_CQE_BUFFER_SHIFT;
    Conn* c = conns_.get(fd);
    if (!c) {
      if (has_buffer) buffers_.recycle(buffer);
      return;
    }
    if (op == kSend) return on_send(*c, cqe.res);
    if (op == kWritable) return on_writable(*c, cqe.res);
    if (!more) c->recv = Recv::kIdle;
    if (cqe.res > 0 && has_buffer) {
      if (c->phase == Phase::kServing) {
        if (c->send != Send::kIdle)
          c->held.append(buffers_.data(buffer), static_cast<std::size_t>(cqe.res));
        else
          c->session.on_bytes(buffers_.data(buffer), static_cast<std::size_t>(cqe.res));
      }
      buffers_.recycle(buffer);
    }
    on_recv(*c, cqe.res);
  }

  void on_recv(Conn& c, int res) {
    if (c.phase == Phase::kClosing) return finish_close(c);
    if (res == -EINVAL && c.multishot) {  // before Linux 6.0: one-shot receives from now on
      std::fprintf(stderr, "server: uring: multishot receive unsupported by this kernel, using one-shot\n");
      multishot_ok_ = false;
      return arm_recv(c);
    }
    if (res == 0 || (res < 0 && res != -ENOBUFS && res != -ECANCELED)) {
      if (c.phase == Phase::kLingering) return close_conn(c);  // the peer closed (or reset): lingering is over
      if (res < 0) {
        bump(ctx_.stats.resets);
        return close_conn(c);
      }
      if (c.send != Send::kIdle) {
        c.peer_eof = true;  // the bytes held during the send come first (on_send)
        return;
      }
      c.session.on_peer_eof();
    }
    if (c.phase == Phase::kLingering) {
      if (c.recv == Recv::kIdle) arm_recv(c);  // keep discarding
      return;
    }
    after_io(c);
  }

  void on_send(Conn& c, int res) {
    if (res == -EAGAIN && c.phase != Phase::kClosing) return wait_writable(c);  // still busy: the send goes on
    c.send = Send::kIdle;
    if (c.phase == Phase::kClosing) return finish_close(c);
    if (res < 0) {
      bump(ctx_.stats.write_errors);
      return close_conn(c);
    }
    c.session.on_written(static_cast<std::size_t>(res));
    if (!c.held.empty()) {
      c.session.on_bytes(c.held.data(), c.held.size());
      c.held.clear();
    }
    if (c.peer_eof) c.session.on_peer_eof();
    after_io(c);
  }

  void on_writable(Conn& c, int res) {
    if (c.phase == Phase::kClosing || res < 0) {
      c.send = Send::kIdle;
      if (c.phase == Phase::kClosing) return finish_close(c);
      bump(ctx_.stats.write_errors);
      return close_conn(c);
    }
    submit_send(c);  // writable (or an error the send will report)
  }

  void on_accept(int res, bool more) {
    if (!more) accepting_ = false;
    if (res >= 0) {
      bump(ctx_.stats.connections);
      if (!set_nodelay(res)) bump(ctx_.stats.option_errors);
      Conn& c = conns_.emplace(res, ctx_, res);
      if (ctx_.cfg.verbose) {  // the peer only appears in verbose logs
        socklen_t len = sizeof c.peer;
        if (::getpeername(res, reinterpret_cast<sockaddr*>(&c.peer), &len) != 0) c.peer = sockaddr_in{};
      }
      arm(c, ctx_.cfg.read_timeout, DeadlineKind::kRead);
      arm_recv(c);
    } else if (res == -EMFILE || res == -ENFILE) {
      bump(ctx_.stats.accept_out_of_fds);
      if (accepting_) cancel(ud(0, kAccept));
      accept_paused_ = true;  // retry in 50 ms rather than spin
      resume_accept_ = Clock::now() + std::chrono::milliseconds(50);
      return;
    } else if (res != -ECANCELED && res != -EAGAIN && res != -EINTR) {
      bump(ctx_.stats.accept_errors);
    }
    if (!accepting_ && !stopping_ && !accept_paused_) submit_accept();
  }

  void after_io(Conn& c) {
    if (c.session.has_pending()) {
      if (c.send == Send::kIdle) submit_send(c);
      if (!c.session.wants_read() || c.held.size() >= kMaxHeld) cancel_recv(c);  // backpressure
      return;
    }
    if (c.session.done()) {
      if (!input_waiting(c.fd) || ::shutdown(c.fd, SHUT_WR) != 0) return close_conn(c);
      c.phase = Phase::kLingering;
      arm(c, ctx_.cfg.linger, DeadlineKind::kLinger);
      if (c.recv == Recv::kIdle) arm_recv(c);
      return;
    }
    if (c.session.waiting() && !c.waiting) {  // a backend call: a deadline, the loop goes on
      c.waiting = true;
      arm(c, c.session.wait_for(), DeadlineKind::kWait);
      cancel_recv(c);  // no reading during the wait, as every driver (what is in flight, the Session keeps)
    } else if (c.session.take_replied()) {
      arm(c, ctx_.cfg.read_timeout, DeadlineKind::kRead);
    }
    if (c.session.wants_read() && c.recv == Recv::kIdle) arm_recv(c);
  }

  void begin_stop() {
    stopping_ = true;
    grace_end_ = Clock::now() + ctx_.cfg.grace;
    if (accepting_) cancel(ud(0, kAccept));
    conns_.for_each([this](Conn& c) {
      if (c.phase == Phase::kServing && c.send == Send::kIdle && c.session.idle()) close_conn(c);
    });
  }

  void arm(Conn& c, Clock::duration d, DeadlineKind kind) {
    c.gen = ++next_gen_;  // unique across connections: a reused fd never matches a stale entry
    c.written_mark = c.session.bytes_written();
    deadlines_.add(Clock::now(), d, c.fd, c.gen, kind);
  }

  void on_deadline_fired(const TimerQueue::Entry& e) {
    Conn* c = conns_.get(e.fd);
    if (!c || c->gen != e.gen || c->phase == Phase::kClosing) return;  // stale
    if (apply_deadline(
            on_deadline(e.kind, c->session, c->written_mark, c->send != Send::kIdle), c->session, c->waiting,
            ctx_.stats.write_timeouts, [&] { close_conn(*c); },
            [&] { arm(*c, ctx_.cfg.read_timeout, DeadlineKind::kRead); }))
      after_io(*c);
  }

  std::chrono::microseconds next_timeout(Clock::time_point now) const {
    Clock::time_point next = now + std::chrono::milliseconds(1000);
    if (const auto d = deadlines_.next()) next = std::min(next, *d);
    if (accept_paused_) next = std::min(next, resume_accept_);
    if (stopping_) next = std::min(next, grace_end_);
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(next - now);
    return us.count() < 0 ? std::chrono::microseconds(0) : us;
  }

  static __kernel_timespec to_ts(std::chrono::microseconds us) {
    __kernel_timespec ts{};
    ts.tv_sec = us.count() / 1'000'000;
    ts.tv_nsec = (us.count() % 1'000'000) * 1000;
    return ts;
  }

  // Closes now when nothing is in flight; otherwise cancels what is and closes when the last
  // completion arrives (the kernel may still use the fd and the Session's output until then).
  void close_conn(Conn& c) {
    c.phase = Phase::kClosing;
    cancel_recv(c);
    if (c.send == Send::kSending) cancel(ud(c.fd, kSend));
    if (c.send == Send::kPolling) cancel(ud(c.fd, kWritable));
    finish_close(c);
  }

  void finish_close(Conn& c) {
    if (c.recv != Recv::kIdle || c.send != Send::kIdle) return;
    const int fd = c.fd;
    ::close(fd);
    conns_.erase(fd);
  }

  const ModelContext& ctx_;
  io_uring ring_{};
  bool ready_ = false;
  BufferRing buffers_;
  ConnTable<Conn> conns_;
  TimerQueue deadlines_;
  bool accepting_ = false;
  bool accept_paused_ = false;
  Clock::time_point resume_accept_{};
  bool stopping_ = false;
  Clock::time_point grace_end_{};
  std::uint64_t next_gen_ = 0;
  bool multishot_ok_ = true;
};

}  // namespace

int run_uring_driver(const ModelContext& ctx) {
  UringServer server(ctx);
  return server.run();
}

}  // namespace lab
