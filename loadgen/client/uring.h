#pragma once
// The io_uring client path for plain HTTP (--client-io uring): one ring per load thread, beside
// its io_context. A request is one send linked to one receive, queued in the ring; the ring is
// entered once per pass of the thread's scheduler for every user that queued something (a
// posted flush), and while many receives are in flight each enter waits for a share of them
// (or 50 us), so that one system call serves many requests. Reaping late must not time late:
// every receive is a recvmsg that carries the kernel's receive time (SO_TIMESTAMPNS), and the
// response is timed by it. Idle, the thread sleeps in Asio's reactor on an eventfd the ring
// signals; a paced user's receive need not wake it (its response is timed by the kernel, and
// the user has nothing to do before its next due time): such receives are reaped at the
// thread's next wakeup for anything else, or within the time the user gave. docs/architecture.md,
// "The virtual user", and docs/performance.md.
#include <utility>  // Boost 1.74's awaitable.hpp needs it first

#include <liburing.h>
#include <sys/socket.h>
#include <time.h>

#include <boost/asio.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lab {

namespace asio = boost::asio;

/// A user's state in the ring (allocated at its first request on this path): the message its
/// receives fill, room for one control message (the receive time), and the coroutine waiting.
struct UringUser {
  using Executor = asio::io_context::executor_type;
  using Handler = asio::async_result<asio::use_awaitable_t<Executor>, void(int)>::handler_type;
  msghdr msg{};
  iovec iov{};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
  std::optional<Handler> waiter;                    // set while its receive is in the ring
  bool prompt = true;                               // its receive in the ring wakes the thread
  bool long_reply = false;                          // its last reply took more than one receive
  int send_result = 0;                              // a send that failed: its result (-errno, or a short count)
  std::chrono::steady_clock::time_point arrived{};  // the request's last bytes: kernel time (or reap time); {} none
  // The rest of a response longer than the user's first buffer (allocated at the first such).
  static constexpr std::size_t kMoreBytes = 16384;
  std::vector<char> more;
};

class UringIo {
 public:
  using Clock = std::chrono::steady_clock;
  using Executor = asio::io_context::executor_type;
  template <class T>
  using Task = asio::awaitable<T, Executor>;

  /// A ring for `io`'s thread with room for `entries` queued operations; null and `err` when the
  /// kernel refuses one (no io_uring, or it is disabled: kernel.io_uring_disabled).
  static std::unique_ptr<UringIo> open(asio::io_context& io, unsigned entries, std::string& err);
  ~UringIo();
  UringIo(const UringIo&) = delete;
  UringIo& operator=(const UringIo&) = delete;

  /// Whether a thread asleep outside the ring (as the worker sleeps in Asio's reactor) is woken in
  /// time by a completion of a ring set up as open() sets one up, on this kernel: empty if it is,
  /// else why not. Five round trips over a loopback TCP connection, each answered 1 ms after the
  /// thread went to sleep on the ring's eventfd, alternated with five where it sleeps on the
  /// socket itself (the sockets path): a median wake-up more than 5 ms later than the socket's is
  /// a lost wake-up (about 15 ms in all). `median_us` gets the ring's median (-1 if not measured).
  /// `signal` false: the eventfd is never signalled, a wake-up always lost (for its test).
  static std::string probe_wake(double& median_us, bool signal = true);

  /// Makes the calling thread the ring's only submitter: call it on the io_context's thread
  /// before anything is queued (Worker::start posts it first).
  void enable();

  /// Sends `data` on `fd` (all of it) and then receives into `buf`: resumes with the receive's
  /// result (bytes, 0 at the end of the stream, -errno; -ECANCELED after cancel()). A send that
  /// failed resumes it instead, its result in `u.send_result` (the receive is never made).
  /// `reap_within` > 0: the user is paced and can wait that long after its response arrived
  /// before it is resumed (the thread is not woken for it); 0: resumed as it arrives.
  Task<int> send_and_receive(UringUser& u, int fd, const char* data, std::size_t n, char* buf, std::size_t cap,
                             Clock::duration reap_within = {});
  /// Receives into `buf` only (the rest of a response: resumed as it arrives).
  Task<int> receive(UringUser& u, int fd, char* buf, std::size_t cap);
  /// Resumes every user whose receive has completed, now (the end of the run, before its cancel).
  void reap();
  /// Cancels what `u` has in the ring (the timeout sweep): its receive completes with -ECANCELED.
  void cancel(UringUser& u);
  /// Cancels everything in the ring (the end of the run).
  void cancel_all();

 private:
  explicit UringIo(asio::io_context& io);
  static int setup(io_uring& ring, unsigned entries, bool disabled);
  static std::string probe_on_this_thread(double& median_us, bool signal);
  io_uring_sqe* next_sqe();
  void queue_receive(UringUser& u, int fd, char* buf, std::size_t cap, Clock::duration reap_within);
  Task<int> wait(UringUser& u);
  void schedule_flush();
  void flush();
  void drain();
  void arm();
  void defer();
  void signal_wakes(bool on);

  asio::io_context& io_;
  io_uring ring_{};
  bool ring_open_ = false;
  bool disabled_ = false;  // set up disabled: the worker's thread enables it and becomes its submitter
  asio::posix::basic_stream_descriptor<Executor> event_;  // signalled by the ring on completions (when on)
  std::uint64_t event_count_[2] = {};                     // (its counter, read by the wait that it ends)
  asio::basic_waitable_timer<Clock, asio::wait_traits<Clock>, Executor> reap_timer_;  // for deferred receives
  int stamp_keeper_ = -1;        // a socket that keeps the kernel's receive timestamps on (open)
  std::size_t in_flight_ = 0;    // receives whose completion is due (each resumes one user)
  std::size_t prompt_ = 0;       // of them, those that wake the thread (the others are deferred)
  Clock::duration reap_within_;  // the shortest time a deferred receive in the ring may wait
  bool flush_posted_ = false;
  bool armed_ = false;
};

}  // namespace lab
