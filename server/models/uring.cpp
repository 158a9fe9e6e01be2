// uring: one thread driving io_uring (liburing). A multishot accept; a receive per connection
// into a ring of kernel-chosen (provided) buffers, one-shot for the first request and multishot
// once the connection is kept alive; sends queued and handed to the kernel with the next wait,
// so one io_uring_enter per loop turn carries every send and collects every completion. The
// completions drive the same Session every model uses. When the kernel or a sandbox refuses
// io_uring (or lacks what this needs: Linux 6.0), the model says so and exits 1.
#include <liburing.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "common/net.h"
#include "server/model.h"
#include "server/session.h"
#include "server/stop.h"

namespace lab {

namespace {

enum Op : std::uint64_t { kAccept = 1, kRecv, kSend, kWritable, kStop, kCancel };
constexpr std::uint64_t ud(int fd, Op op) { return (static_cast<std::uint64_t>(fd) << 8) | op; }

// Receive buffers the kernel picks from (a "provided buffer ring"): a connection holds none
// while it waits, so 10,000 idle connections cost no buffer memory.
class BufferRing {
 public:
  static constexpr unsigned kCount = 1024;  // a power of two
  static constexpr unsigned kSize = 2048;
  static constexpr int kGroup = 0;

  ~BufferRing() {
    if (ring_ != MAP_FAILED) ::munmap(ring_, ring_bytes());
  }
  /// Registers the ring with `ring`; 0 or -errno.
  int init(io_uring* ring) {
    ring_ = ::mmap(nullptr, ring_bytes(), PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    if (ring_ == MAP_FAILED) return -errno;
    br_ = static_cast<io_uring_buf_ring*>(ring_);
    io_uring_buf_ring_init(br_);
    io_uring_buf_reg reg{};
    reg.ring_addr = reinterpret_cast<std::uintptr_t>(ring_);
    reg.ring_entries = kCount;
    reg.bgid = kGroup;
    if (int r = io_uring_register_buf_ring(ring, &reg, 0); r < 0) return r;
    storage_ = std::make_unique<char[]>(static_cast<std::size_t>(kCount) * kSize);
    for (unsigned i = 0; i < kCount; ++i)
      io_uring_buf_ring_add(br_, data(i), kSize, static_cast<unsigned short>(i), io_uring_buf_ring_mask(kCount),
                            static_cast<int>(i));
    io_uring_buf_ring_advance(br_, kCount);
    return 0;
  }
  char* data(unsigned id) { return storage_.get() + static_cast<std::size_t>(id) * kSize; }
  /// Gives buffer `id` back to the kernel.
  void recycle(unsigned id) {
    io_uring_buf_ring_add(br_, data(id), kSize, static_cast<unsigned short>(id), io_uring_buf_ring_mask(kCount), 0);
    io_uring_buf_ring_advance(br_, 1);
  }

 private:
  static std::size_t ring_bytes() { return kCount * sizeof(io_uring_buf); }
  void* ring_ = MAP_FAILED;
  io_uring_buf_ring* br_ = nullptr;
  std::unique_ptr<char[]> storage_;
};

class UringServer {
 public:
  explicit UringServer(const ModelContext& ctx) : ctx_(ctx) {}
  ~UringServer() {
    for (auto& c : conns_)
      if (c) ::close(c->fd);
    if (ready_) io_uring_queue_exit(&ring_);
  }

  int run() {
    if (int err = init_ring(); err < 0) {
      std::fprintf(stderr, "server: uring: io_uring is not available here: %s (errno %d); "
                   "this model cannot run on this kernel or sandbox\n", std::strerror(-err), -err);
      return 1;
    }
    ready_ = true;
    if (int err = buffers_.init(&ring_); err < 0) {
      std::fprintf(stderr, "server: uring: cannot register provided buffers: %s (errno %d); "
                   "this model needs Linux 6.0 or later\n", std::strerror(-err), -err);
      return 1;
    }
    // Optional: saves a file lookup per io_uring_enter; without it the ring works the same.
    if (int r = io_uring_register_ring_fd(&ring_); r < 0 && ctx_.cfg.verbose)
      std::fprintf(stderr, "server: uring: ring fd not registered (%s), continuing\n", std::strerror(-r));
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
        if (!accepting_) submit_accept();
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
        on_completion(*cqe);
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
  static constexpr std::size_t kMaxHeld = 64 * 1024;  // input held while a send is in flight

  struct Conn {
    Conn(const ModelContext& ctx, int fd_) : fd(fd_), session(ctx.cfg, ctx.stats, &peer, true) {}
    int fd;
    sockaddr_in peer{};
    Session session;
    std::string held;           // bytes received while a send was in flight (fed after it)
    bool recv_armed = false;    // a receive is in flight (multishot or not)
    bool recv_cancelled = false;
    bool recv_multishot = false;
    bool send_busy = false;     // a send (or the poll before one) is in flight: the output must not move
    bool lingering = false;     // shut down for writing, discarding input until EOF or timeout
    bool closing = false;       // close once nothing is in flight
    bool peer_eof = false;      // the peer's FIN came while a send was in flight (held bytes first)
    std::uint64_t gen = 0, replies_seen = 0;
    std::uint64_t written_mark = 0;  // session.bytes_written() when the deadline was armed
  };
  struct Timer {
    Clock::time_point when;
    int fd;
    std::uint64_t gen;
  };

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
      if (int r = io_uring_submit(&ring_); r < 0 && r != -EINTR && r != -EAGAIN) {
        std::fprintf(stderr, "server: uring: submit with a full queue: %s\n", std::strerror(-r));
        std::exit(1);  // retrying could only spin
      }
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
    c.recv_multishot = c.replies_seen > 0 && multishot_ok_;
    if (c.recv_multishot) {
      io_uring_prep_recv_multishot(sqe, c.fd, nullptr, 0, 0);
    } else {
      io_uring_prep_recv(sqe, c.fd, nullptr, BufferRing::kSize, 0);
    }
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = BufferRing::kGroup;
    io_uring_sqe_set_data64(sqe, ud(c.fd, kRecv));
    c.recv_armed = true;
    c.recv_cancelled = false;
  }

  void cancel_recv(Conn& c) {
    if (!c.recv_armed || c.recv_cancelled) return;
    c.recv_cancelled = true;
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
    c.send_busy = true;
  }

  void wait_writable(Conn& c) {
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_poll_add(sqe, c.fd, POLLOUT);
    io_uring_sqe_set_data64(sqe, ud(c.fd, kWritable));
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
    Conn* c = (fd >= 0 && static_cast<std::size_t>(fd) < conns_.size()) ? conns_[fd].get() : nullptr;
    if (!c) {
      if (has_buffer) buffers_.recycle(buffer);
      return;
    }
    if (op == kSend) return on_send(*c, cqe.res);
    if (op == kWritable) return on_writable(*c, cqe.res);
    if (!more) c->recv_armed = false;
    if (cqe.res > 0 && has_buffer) {
      if (!c->lingering && !c->closing) {
        if (c->send_busy) c->held.append(buffers_.data(buffer), static_cast<std::size_t>(cqe.res));
        else c->session.on_bytes(buffers_.data(buffer), static_cast<std::size_t>(cqe.res));
      }
      buffers_.recycle(buffer);
    }
    on_recv(*c, cqe.res);
  }

  void on_recv(Conn& c, int res) {
    if (c.closing) return finish_close(c);
    if (res == -EINVAL && c.recv_multishot) {  // before Linux 6.0: one-shot receives from now on
      std::fprintf(stderr, "server: uring: multishot receive unsupported by this kernel, using one-shot\n");
      multishot_ok_ = false;
      return arm_recv(c);
    }
    if (res == 0 || (res < 0 && res != -ENOBUFS && res != -ECANCELED)) {
      if (c.lingering) return close_conn(c);  // the peer closed (or reset): lingering is over
      if (res < 0) {
        bump(ctx_.stats.resets);
        return close_conn(c);
      }
      if (c.send_busy) {
        c.peer_eof = true;  // the bytes held during the send come first (on_send)
        return;
      }
      c.session.on_peer_eof();
    }
    if (c.lingering) {
      if (!c.recv_armed) arm_recv(c);  // keep discarding
      return;
    }
    after_io(c);
  }

  void on_send(Conn& c, int res) {
    if (res == -EAGAIN && !c.closing) return wait_writable(c);  // still busy: the send goes on
    c.send_busy = false;
    if (c.closing) return finish_close(c);
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
    if (c.closing || res < 0) {
      c.send_busy = false;
      if (c.closing) return finish_close(c);
      bump(ctx_.stats.write_errors);
      return close_conn(c);
    }
    submit_send(c);  // writable (or an error the send will report)
  }

  void on_accept(int res, bool more) {
    if (!more) accepting_ = false;
    if (res >= 0) {
      bump(ctx_.stats.connections);
      if (static_cast<std::size_t>(res) >= conns_.size()) conns_.resize(static_cast<std::size_t>(res) + 1);
      conns_[res] = std::make_unique<Conn>(ctx_, res);
      Conn& c = *conns_[res];
      if (ctx_.cfg.verbose) {  // the peer only appears in verbose logs
        socklen_t len = sizeof c.peer;
        if (::getpeername(res, reinterpret_cast<sockaddr*>(&c.peer), &len) != 0) c.peer = sockaddr_in{};
      }
      ++live_;
      arm(c, read_timers_, ctx_.cfg.read_timeout);
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
      if (!c.send_busy) submit_send(c);
      if (!c.session.wants_read() || c.held.size() >= kMaxHeld) cancel_recv(c);  // backpressure
      return;
    }
    if (c.session.done()) {
      if (!input_waiting(c.fd) || ::shutdown(c.fd, SHUT_WR) != 0) return close_conn(c);
      c.lingering = true;
      arm(c, linger_timers_, ctx_.cfg.linger);
      if (!c.recv_armed) arm_recv(c);
      return;
    }
    if (c.session.replies() != c.replies_seen) {
      c.replies_seen = c.session.replies();
      if (stopping_ && c.session.idle()) return close_conn(c);
      arm(c, read_timers_, ctx_.cfg.read_timeout);
    }
    if (c.session.wants_read() && !c.recv_armed) arm_recv(c);
  }

  void begin_stop() {
    stopping_ = true;
    grace_end_ = Clock::now() + ctx_.cfg.grace;
    if (accepting_) cancel(ud(0, kAccept));
    for (auto& c : conns_)
      if (c && !c->closing && !c->lingering && !c->send_busy && c->session.idle()) close_conn(*c);
  }

  void arm(Conn& c, std::deque<Timer>& list, std::chrono::milliseconds d) {
    c.gen = ++next_gen_;  // unique across connections: a reused fd never matches a stale timer
    c.written_mark = c.session.bytes_written();
    list.push_back({Clock::now() + d, c.fd, c.gen});
  }

  void expire_timers(Clock::time_point now) {
    for (auto* list : {&read_timers_, &linger_timers_}) {
      while (!list->empty() && list->front().when <= now) {
        Timer t = list->front();
        list->pop_front();
        if (!conns_[t.fd] || conns_[t.fd]->gen != t.gen) continue;
        Conn& c = *conns_[t.fd];
        if (c.closing) continue;
        if (c.lingering) {  // lingered long enough
          close_conn(c);
          continue;
        }
        if (c.send_busy || c.session.has_pending()) {
          // A whole read timeout with output waiting: a peer that took nothing has stopped
          // reading; one that took some gets another.
          if (c.session.bytes_written() == c.written_mark) {
            bump(ctx_.stats.write_timeouts);
            close_conn(c);
          } else {
            arm(c, read_timers_, ctx_.cfg.read_timeout);
          }
          continue;
        }
        c.session.on_read_timeout();
        after_io(c);
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

  // Closes now when nothing is in flight; otherwise cancels what is and closes when the last
  // completion arrives (the kernel may still use the fd and the Session's output until then).
  void close_conn(Conn& c) {
    c.closing = true;
    cancel_recv(c);
    if (c.send_busy) {  // a send, or the poll waiting to send: cancel whichever it is
      cancel(ud(c.fd, kSend));
      cancel(ud(c.fd, kWritable));
    }
    finish_close(c);
  }

  void finish_close(Conn& c) {
    if (c.recv_armed || c.send_busy) return;
    const int fd = c.fd;
    ::close(fd);
    --live_;
    conns_[fd].reset();
  }

  const ModelContext& ctx_;
  io_uring ring_{};
  bool ready_ = false;
  BufferRing buffers_;
  std::vector<std::unique_ptr<Conn>> conns_;
  std::size_t live_ = 0;
  std::deque<Timer> read_timers_, linger_timers_;
  bool accepting_ = false;
  bool accept_paused_ = false;
  Clock::time_point resume_accept_{};
  bool stopping_ = false;
  Clock::time_point grace_end_{};
  std::uint64_t next_gen_ = 0;
  bool multishot_ok_ = true;
};

}  // namespace

int run_uring(const ModelContext& ctx) {
  UringServer server(ctx);
  return server.run();
}

}  // namespace lab
