// uring: one thread driving io_uring (liburing). accept, recv and send are submissions; their
// completions drive the same Session every model uses. Each connection has at most one
// operation in flight; read timeouts and lingering closes cancel it with IORING_OP_ASYNC_CANCEL.
// When the kernel or a sandbox refuses io_uring, the model says so and exits 1.
#include <liburing.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <vector>

#include "common/net.h"
#include "server/model.h"
#include "server/session.h"
#include "server/stop.h"

namespace lab {

namespace {

enum Op : std::uint64_t { kAccept = 1, kRecv, kSend, kLinger, kStop, kCancel };
constexpr std::uint64_t ud(int fd, Op op) { return (static_cast<std::uint64_t>(fd) << 8) | op; }

class UringServer {
 public:
  explicit UringServer(const ModelContext& ctx) : ctx_(ctx) {}
  ~UringServer() {
    for (auto& c : conns_)
      if (c) ::close(c->fd);
    if (ready_) io_uring_queue_exit(&ring_);
  }

  int run() {
    io_uring_params params{};
    int err = io_uring_queue_init_params(4096, &ring_, &params);
    if (err < 0) {
      std::fprintf(stderr, "server: uring: io_uring is not available here: %s (errno %d); "
                   "this model cannot run on this kernel or sandbox\n", std::strerror(-err), -err);
      return 1;
    }
    ready_ = true;
    conns_.resize(ctx_.cfg.fd_limit + 16);
    submit_accept();
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_poll_add(sqe, stop_fd(), POLLIN);
    io_uring_sqe_set_data64(sqe, ud(0, kStop));

    for (;;) {
      auto now = Clock::now();
      if (stopping_ && (live_ == 0 || now >= grace_end_)) break;
      if (accept_paused_ && !stopping_ && now >= resume_accept_) {
        accept_paused_ = false;
        submit_accept();
      }
      __kernel_timespec ts = to_ts(next_timeout(now));
      io_uring_cqe* cqe = nullptr;
      int r = io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
      if (r < 0 && r != -ETIME && r != -EINTR) {
        std::fprintf(stderr, "server: uring: wait: %s\n", std::strerror(-r));
        return 1;
      }
      unsigned head;
      unsigned n = 0;
      io_uring_for_each_cqe(&ring_, head, cqe) {
        on_completion(cqe->user_data, cqe->res);
        ++n;
      }
      io_uring_cq_advance(&ring_, n);
      expire_timers(Clock::now());
    }
    for (auto& c : conns_)
      if (c) {
        bump(ctx_.stats.forced_closes);
        ::close(c->fd);
        c.reset();
      }
    return 0;
  }

 private:
  using Clock = std::chrono::steady_clock;
  struct Conn {
    Conn(const ModelContext& ctx, int fd_) : fd(fd_), session(ctx.cfg, ctx.stats, &peer, true) {}
    int fd;
    sockaddr_in peer{};
    Session session;
    bool busy = false;       // an operation is in flight
    Op inflight = kRecv;
    bool lingering = false;
    bool timed_out = false;
    std::uint64_t gen = 0, replies_seen = 0;
    char buf[16384];
  };
  struct Timer {
    Clock::time_point when;
    int fd;
    std::uint64_t gen;
  };

  io_uring_sqe* get_sqe() {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    while (!sqe) {  // submission queue full: hand it to the kernel and retry
      io_uring_submit(&ring_);
      sqe = io_uring_get_sqe(&ring_);
    }
    return sqe;
  }

  void submit_accept() {
    io_uring_sqe* sqe = get_sqe();
    accept_len_ = sizeof accept_peer_;
    io_uring_prep_accept(sqe, ctx_.listen_fd, reinterpret_cast<sockaddr*>(&accept_peer_), &accept_len_,
                         SOCK_CLOEXEC);
    io_uring_sqe_set_data64(sqe, ud(0, kAccept));
    accepting_ = true;
  }

  void submit_recv(Conn& c, Op op) {
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_recv(sqe, c.fd, c.buf, sizeof c.buf, 0);
    io_uring_sqe_set_data64(sqe, ud(c.fd, op));
    c.busy = true;
    c.inflight = op;
  }

  void submit_send(Conn& c) {
    std::string_view out = c.session.pending();
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_send(sqe, c.fd, out.data(), out.size(), MSG_NOSIGNAL);
    io_uring_sqe_set_data64(sqe, ud(c.fd, kSend));
    c.busy = true;
    c.inflight = kSend;
  }

  void cancel(std::uint64_t target) {
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_cancel64(sqe, target, 0);
    io_uring_sqe_set_data64(sqe, ud(0, kCancel));
  }

  void on_completion(std::uint64_t data, int res) {
    const Op op = static_cast<Op>(data & 0xff);
    const int fd = static_cast<int>(data >> 8);
    switch (op) {
      case kAccept: return on_accept(res);
      case kStop: return begin_stop();
      case kCancel: return;
      default: break;
    }
    if (fd < 0 || static_cast<std::size_t>(fd) >= conns_.size() || !conns_[fd]) return;
    Conn& c = *conns_[fd];
    c.busy = false;
    if (op == kLinger) {
      if (res > 0 && !c.timed_out) submit_recv(c, kLinger);
      else close_conn(c);
      return;
    }
    if (op == kSend) {
      if (res < 0) {
        bump(ctx_.stats.write_errors);
        return close_conn(c);
      }
      c.session.on_written(static_cast<std::size_t>(res));
    } else if (res > 0) {
      c.session.on_bytes(c.buf, static_cast<std::size_t>(res));
    } else if (res == 0) {
      c.session.on_peer_eof();
    } else if (res == -ECANCELED && c.timed_out) {
      c.session.on_read_timeout();
    } else if (res == -ECANCELED && stopping_) {
      return close_conn(c);
    } else {
      bump(ctx_.stats.resets);
      return close_conn(c);
    }
    after_io(c);
  }

  void on_accept(int res) {
    accepting_ = false;
    if (res >= 0) {
      bump(ctx_.stats.connections);
      if (static_cast<std::size_t>(res) >= conns_.size()) conns_.resize(static_cast<std::size_t>(res) + 1);
      conns_[res] = std::make_unique<Conn>(ctx_, res);
      conns_[res]->peer = accept_peer_;
      ++live_;
      arm(*conns_[res], read_timers_, ctx_.cfg.read_timeout);
      submit_recv(*conns_[res], kRecv);
    } else if (res == -EMFILE || res == -ENFILE) {
      bump(ctx_.stats.accept_out_of_fds);
      accept_paused_ = true;  // retry in 50 ms rather than spin
      resume_accept_ = Clock::now() + std::chrono::milliseconds(50);
      return;
    } else if (res != -ECANCELED && res != -EAGAIN && res != -EINTR) {
      bump(ctx_.stats.accept_errors);
    }
    if (!stopping_) submit_accept();
  }

  void after_io(Conn& c) {
    if (c.session.has_pending()) return submit_send(c);
    if (c.session.done()) {
      if (!needs_lingering(c.fd) || ::shutdown(c.fd, SHUT_WR) != 0) return close_conn(c);
      c.lingering = true;
      c.timed_out = false;
      arm(c, linger_timers_, ctx_.cfg.linger);
      return submit_recv(c, kLinger);
    }
    if (c.session.replies() != c.replies_seen) {
      c.replies_seen = c.session.replies();
      if (stopping_ && c.session.idle()) return close_conn(c);
      arm(c, read_timers_, ctx_.cfg.read_timeout);
    }
    if (c.session.wants_read()) submit_recv(c, kRecv);
  }

  void begin_stop() {
    stopping_ = true;
    grace_end_ = Clock::now() + ctx_.cfg.grace;
    if (accepting_) cancel(ud(0, kAccept));
    for (auto& c : conns_)
      if (c && !c->lingering && c->session.idle() && c->busy)
        cancel(ud(c->fd, c->inflight));
  }

  void arm(Conn& c, std::deque<Timer>& list, std::chrono::milliseconds d) {
    c.gen = ++next_gen_;  // unique across connections: a reused fd never matches a stale timer
    list.push_back({Clock::now() + d, c.fd, c.gen});
  }

  void expire_timers(Clock::time_point now) {
    for (auto* list : {&read_timers_, &linger_timers_}) {
      while (!list->empty() && list->front().when <= now) {
        Timer t = list->front();
        list->pop_front();
        if (!conns_[t.fd] || conns_[t.fd]->gen != t.gen) continue;
        Conn& c = *conns_[t.fd];
        c.timed_out = true;
        if (c.busy) cancel(ud(c.fd, c.inflight));
        else if (c.lingering) close_conn(c);
      }
    }
  }

  std::chrono::milliseconds next_timeout(Clock::time_point now) const {
    Clock::time_point next = now + std::chrono::milliseconds(1000);
    if (!read_timers_.empty()) next = std::min(next, read_timers_.front().when);
    if (!linger_timers_.empty()) next = std::min(next, linger_timers_.front().when);
    if (accept_paused_) next = std::min(next, resume_accept_);
    if (stopping_) next = std::min(next, grace_end_);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(next - now) + std::chrono::milliseconds(1);
    return ms.count() < 0 ? std::chrono::milliseconds(0) : ms;
  }

  static __kernel_timespec to_ts(std::chrono::milliseconds ms) {
    __kernel_timespec ts{};
    ts.tv_sec = ms.count() / 1000;
    ts.tv_nsec = (ms.count() % 1000) * 1'000'000;
    return ts;
  }

  void close_conn(Conn& c) {
    if (c.busy) {  // never free a buffer the kernel may still write into
      c.timed_out = true;
      cancel(ud(c.fd, c.inflight));
      return;
    }
    const int fd = c.fd;
    ::close(fd);
    --live_;
    conns_[fd].reset();
  }

  const ModelContext& ctx_;
  io_uring ring_{};
  bool ready_ = false;
  std::vector<std::unique_ptr<Conn>> conns_;
  std::size_t live_ = 0;
  std::deque<Timer> read_timers_, linger_timers_;
  sockaddr_in accept_peer_{};
  socklen_t accept_len_ = sizeof(sockaddr_in);
  bool accepting_ = false;
  bool accept_paused_ = false;
  Clock::time_point resume_accept_{};
  bool stopping_ = false;
  Clock::time_point grace_end_{};
  std::uint64_t next_gen_ = 0;
};

}  // namespace

int run_uring(const ModelContext& ctx) {
  UringServer server(ctx);
  return server.run();
}

}  // namespace lab
