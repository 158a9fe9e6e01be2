#include "loadgen/client/uring.h"

#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace lab {

namespace {

// With this many prompt receives in the ring (a closed loop's: its users wait for them to send
// again) an enter waits for a quarter of them or kBatchWaitNs, whichever comes first; below it,
// completions are reaped as they come (each wakes the thread through the eventfd). A paced
// user's receive is deferred: reaped at the next pass, or within its user's allowance (defer).
// The wait is what makes one enter serve many requests (reaping each response as it came cost
// more CPU per request than the sockets path: docs/performance.md); its bound is what a closed
// loop pays for it: a response reaped up to 50 us late sends the next request up to 50 us late
// (its latency is the kernel's, not delayed). 200 us saved 5% more CPU per request and cost a
// closed loop against a 2 ms backend 6% of its rate; 50 us, 1%.
constexpr std::size_t kBusy = 8;
constexpr long kBatchWaitNs = 50'000;

// A send's user_data is its user's with the low bit set (UringUser is aligned); a cancel's is 0.
constexpr std::uint64_t kSendBit = 1;

std::uint64_t key(const UringUser& u) { return reinterpret_cast<std::uintptr_t>(&u); }

// An enter that did not happen for a reason that passes: interrupted, the kernel short of
// memory or its completion queue full for now (retried at the next pass), or the batch's wait
// ended by its timeout.
bool transient(int r) { return r == -EINTR || r == -EAGAIN || r == -EBUSY || r == -ETIME; }

[[noreturn]] void fail(const char* what, int err) {
  throw std::system_error(err, std::system_category(), std::string("io_uring: ") + what);
}

}  // namespace

// The ring's setup: one submitter (SINGLE_ISSUER, Linux 6.0), made so on the worker's thread (the
// ring starts disabled: enable), and completions run cooperatively (COOP_TASKRUN, 5.19): the
// kernel does not interrupt the thread for them, they run when it next enters the kernel, and
// TASKRUN_FLAG says when some wait (arm). Not DEFER_TASKRUN: on Linux 6.18 the eventfd signal it
// sends for a completion came 13-24 ms late, so a thread asleep in Asio's reactor was woken by its
// next timer (61 requests/s for one user of a server that answers in 50 us: docs/reliability.md,
// round 4). Not the kernel's default either (interrupting the thread for each completion): 20-25%
// fewer requests per second than cooperative completions in a closed loop of 4-64 users. Whether
// a sleeping thread is woken in time is the kernel's to keep, so probe_wake checks it on the
// running kernel before auto takes the ring. Older kernels: without the flags they lack.
int UringIo::setup(io_uring& ring, unsigned entries, bool disabled) {
  const unsigned coop = IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
  io_uring_params p{};
  p.flags = IORING_SETUP_SINGLE_ISSUER | coop | (disabled ? IORING_SETUP_R_DISABLED : 0U);
  int rc = io_uring_queue_init_params(entries, &ring, &p);
  for (const unsigned flags : {coop, 0U}) {  // (an older kernel: enabled at once, so 1)
    if (rc != -EINVAL) break;
    p = io_uring_params{};
    p.flags = flags;
    rc = io_uring_queue_init_params(entries, &ring, &p);
    if (rc == 0) rc = 1;
  }
  return rc;
}

std::unique_ptr<UringIo> UringIo::open(asio::io_context& io, unsigned entries, std::string& err) {
  std::unique_ptr<UringIo> r(new UringIo(io));
  int rc = setup(r->ring_, entries, true);
  r->disabled_ = rc == 0;
  if (rc < 0) {
    err = std::string("io_uring_setup: ") + std::strerror(-rc);
    return nullptr;
  }
  r->ring_open_ = true;
  const int efd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (efd < 0) {
    err = std::string("eventfd: ") + std::strerror(errno);
    return nullptr;
  }
  boost::system::error_code ec;
  r->event_.assign(efd, ec);
  if (ec) {
    ::close(efd);
    err = "epoll_ctl (the ring's eventfd): " + ec.message();
    return nullptr;
  }
  if (rc = io_uring_register_eventfd(&r->ring_, efd); rc < 0) {
    err = std::string("io_uring_register_eventfd: ") + std::strerror(-rc);
    return nullptr;
  }
  // Signalled only while the thread waits for it (arm): a deferred receive must not wake it.
  if (rc = io_uring_cq_eventfd_toggle(&r->ring_, false); rc < 0) {
    err = std::string("io_uring_cq_eventfd_toggle: ") + std::strerror(-rc);
    return nullptr;
  }
  // The kernel stamps received packets only while some socket asks for it, and turning that on
  // or off patches its code (a static key, on every CPU): with a new connection per request and
  // few at a time, each connection's SO_TIMESTAMPNS would do it twice. A socket of the ring's
  // own keeps it on for the run (it took the seed workload's CPU per request from 94 to 142 us).
  r->stamp_keeper_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  if (r->stamp_keeper_ < 0 || ::setsockopt(r->stamp_keeper_, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one) != 0) {
    err = std::string("a socket to keep receive timestamps on: ") + std::strerror(errno);
    return nullptr;
  }
  return r;
}

UringIo::UringIo(asio::io_context& io) : io_(io), event_(io.get_executor()), reap_timer_(io.get_executor()) {}

UringIo::~UringIo() {
  if (ring_open_) io_uring_queue_exit(&ring_);
  if (stamp_keeper_ >= 0) ::close(stamp_keeper_);  // (nothing to retry: see close_connection)
}

void UringIo::enable() {
  if (!disabled_) return;
  // (liburing 2.3 declares io_uring_enable_rings but does not export it: the system call itself)
  if (::syscall(__NR_io_uring_register, ring_.ring_fd, IORING_REGISTER_ENABLE_RINGS, nullptr, 0) != 0)
    fail("enable", errno);
}

io_uring_sqe* UringIo::next_sqe() {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  if (!sqe) {  // the submission queue is full: hand it to the kernel now, then there is room
    const int r = io_uring_submit(&ring_);
    if (r < 0 && !transient(r)) fail("submit", -r);
    sqe = io_uring_get_sqe(&ring_);
    if (!sqe) fail("submission queue full", EBUSY);
  }
  schedule_flush();
  return sqe;
}

void UringIo::queue_receive(UringUser& u, int fd, char* buf, std::size_t cap, Clock::duration reap_within) {
  u.iov = {buf, cap};
  u.msg = {};
  u.msg.msg_iov = &u.iov;
  u.msg.msg_iovlen = 1;
  u.msg.msg_control = u.control;
  u.msg.msg_controllen = sizeof u.control;
  std::memset(u.control, 0, sizeof u.control);  // a receive that carries no time leaves it zero
  io_uring_sqe* sqe = next_sqe();
  io_uring_prep_recvmsg(sqe, fd, &u.msg, 0);
  io_uring_sqe_set_data64(sqe, key(u));
  u.prompt = reap_within <= Clock::duration::zero();
  if (u.prompt)
    ++prompt_;
  else if (in_flight_ == prompt_ || reap_within < reap_within_)  // (the first deferred one sets it)
    reap_within_ = reap_within;
  ++in_flight_;
}

UringIo::Task<int> UringIo::wait(UringUser& u) {
  return asio::async_initiate<const asio::use_awaitable_t<Executor>&, void(int)>(
      [&u](UringUser::Handler h) { u.waiter.emplace(std::move(h)); }, asio::use_awaitable_t<Executor>{});
}

UringIo::Task<int> UringIo::send_and_receive(UringUser& u, int fd, const char* data, std::size_t n, char* buf,
                                             std::size_t cap, Clock::duration reap_within) {
  u.send_result = 0;
  u.arrived = {};
  io_uring_sqe* sqe = next_sqe();
  // MSG_WAITALL: the ring sends the rest of a short send itself; a success completes nothing
  // (CQE_SKIP_SUCCESS), a failure completes and breaks the link, cancelling the receive.
  io_uring_prep_send(sqe, fd, data, n, MSG_NOSIGNAL | MSG_WAITALL);
  io_uring_sqe_set_data64(sqe, key(u) | kSendBit);
  sqe->flags |= IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS;
  queue_receive(u, fd, buf, cap, reap_within);
  return wait(u);
}

UringIo::Task<int> UringIo::receive(UringUser& u, int fd, char* buf, std::size_t cap) {
  queue_receive(u, fd, buf, cap, {});
  return wait(u);
}

void UringIo::reap() {
  if (in_flight_ == 0) return;
  const int r = io_uring_submit_and_get_events(&ring_);
  if (r < 0 && !transient(r)) fail("enter", -r);
  drain();
}

void UringIo::cancel(UringUser& u) {
  for (const std::uint64_t k : {key(u) | kSendBit, key(u)}) {
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_cancel64(sqe, k, 0);
    io_uring_sqe_set_data64(sqe, 0);  // (a cancel that found nothing completes, and is ignored)
    sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
  }
}

void UringIo::cancel_all() {
  io_uring_sqe* sqe = next_sqe();
  io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
  io_uring_sqe_set_data64(sqe, 0);
  sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
}

void UringIo::schedule_flush() {
  if (flush_posted_) return;
  flush_posted_ = true;
  asio::post(io_, [this] { flush(); });
}

// Once per pass of the scheduler: what the users queued goes to the kernel in one enter, which
// also reaps what has completed; with many receives in flight it waits for a quarter of them.
void UringIo::flush() {
  flush_posted_ = false;
  int r = 0;
  // (only receives that wake the thread count: a paced user's sends are due on its timer, which
  // a wait in the ring would hold up, and a wait for its response gains nothing)
  const bool busy = prompt_ >= kBusy;
  if (busy) {
    const auto want = static_cast<unsigned>(prompt_ / 4);
    __kernel_timespec most{0, kBatchWaitNs};
    io_uring_cqe* first = nullptr;
    r = io_uring_submit_and_wait_timeout(&ring_, &first, want, &most, nullptr);
  } else {
    r = io_uring_submit_and_get_events(&ring_);
  }
  if (r < 0 && !transient(r)) fail("enter", -r);
  const std::size_t before = prompt_;
  drain();
  if (in_flight_ == 0 || flush_posted_) return;  // (a resumed user queued more: the flush is posted)
  if (busy && prompt_ < before)
    schedule_flush();
  else if (busy || prompt_ > 0)
    arm();
  else
    defer();
}

// Every completion reaped: each receive resumes its user, timed by the kernel's receive time.
void UringIo::drain() {
  timespec real{};
  if (::clock_gettime(CLOCK_REALTIME, &real) != 0) fail("clock_gettime", errno);
  const Clock::time_point now = Clock::now();
  const std::int64_t real_ns = std::int64_t{real.tv_sec} * 1'000'000'000 + real.tv_nsec;
  io_uring_cqe* cqe = nullptr;
  while (io_uring_peek_cqe(&ring_, &cqe) == 0) {
    const std::uint64_t k = io_uring_cqe_get_data64(cqe);
    const int res = cqe->res;
    io_uring_cqe_seen(&ring_, cqe);
    if (k == 0) continue;  // a cancel that found nothing to cancel
    auto& u = *reinterpret_cast<UringUser*>(static_cast<std::uintptr_t>(k & ~kSendBit));
    // Only a failed send completes, and then its linked receive is cancelled without a
    // completion of its own (a failed CQE_SKIP_SUCCESS head skips its links' CQEs): the failed
    // send resumes the user.
    if (k & kSendBit) u.send_result = res != 0 ? res : -EPIPE;
    if (!u.waiter) continue;  // (none is waiting: nothing can complete twice)
    --in_flight_;
    if (u.prompt) --prompt_;
    // The end of the stream or a failure keeps the time of the last bytes: a response that ends
    // at the close ended with its last bytes (the FIN carries no time).
    if (res > 0) u.arrived = now;
    const auto* c = reinterpret_cast<const cmsghdr*>(u.control);
    if (res > 0 && c->cmsg_len == CMSG_LEN(sizeof(timespec)) && c->cmsg_level == SOL_SOCKET &&
        c->cmsg_type == SCM_TIMESTAMPNS) {
      timespec t{};
      std::memcpy(&t, CMSG_DATA(c), sizeof t);
      const std::int64_t age = real_ns - (std::int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec);
      if (age >= 0 && age < 1'000'000'000) u.arrived = now - std::chrono::nanoseconds(age);
    }
    UringUser::Handler h = std::move(*u.waiter);
    u.waiter.reset();
    h(res);  // resumes the user (which may queue its next request)
  }
}

// Idle: the thread sleeps in Asio's reactor until the ring signals its eventfd. The signal is
// on only for this wait; a completion that came before it was on is looked for after.
void UringIo::arm() {
  if (armed_) return;
  armed_ = true;
  signal_wakes(true);
  // (a read into room for two counters returns one, less than asked: Asio then waits for the next
  // signal without trying first, and neither re-arms the registration nor reads in vain)
  event_.async_read_some(asio::buffer(event_count_), [this](boost::system::error_code ec, std::size_t) {
    armed_ = false;
    signal_wakes(false);
    if (ec == asio::error::operation_aborted) return;
    if (ec) fail("read eventfd", ec.value());
    if (!flush_posted_) flush();
  });
  if (io_uring_cq_ready(&ring_) != 0 || (IO_URING_READ_ONCE(*ring_.sq.kflags) & IORING_SQ_TASKRUN) != 0)
    schedule_flush();
}

// Only deferred receives in the ring: no signal; the next pass of the scheduler for anything
// else reaps them (a flush), or this timer does, the shortest time one of them may wait after it
// arrived. What arrived before now was reaped, so each flush moves the deadline on.
void UringIo::defer() {
  reap_timer_.expires_at(Clock::now() + reap_within_);
  reap_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec == asio::error::operation_aborted) return;
    if (!flush_posted_ && in_flight_ > 0) flush();
  });
}

void UringIo::signal_wakes(bool on) {
  if (io_uring_cq_eventfd_toggle(&ring_, on) < 0) fail("eventfd toggle", EOPNOTSUPP);
  // the kernel sets IORING_SQ_TASKRUN, then reads the toggle; this thread writes the toggle,
  // then reads IORING_SQ_TASKRUN (arm): one of the two sees the other's write
  std::atomic_thread_fence(std::memory_order_seq_cst);
}

}  // namespace lab
