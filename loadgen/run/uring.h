#pragma once
// The io_uring client path for plain HTTP (--client-io uring): one ring per load thread, beside
// its io_context. A request is one send linked to one receive, queued in the ring; the ring is
// entered once per pass of the thread's scheduler for every user that queued something (a
// posted flush), and while many receives are in flight each enter waits for a share of them
// (or 50 us), so that one system call serves many requests. Reaping late must not time late:
// every receive is a recvmsg that carries the kernel's receive time (SO_TIMESTAMPNS), and the
// response is timed by it. Idle, the thread sleeps in Asio's reactor on an eventfd the ring
// signals. docs/architecture.md, "The virtual user", and docs/performance.md.
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

  /// Makes the calling thread the ring's only submitter: call it on the io_context's thread
  /// before anything is queued (Worker::start posts it first).
  void enable();

  /// Sends `data` on `fd` (all of it) and then receives into `buf`: resumes with the receive's
  /// result (bytes, 0 at the end of the stream, -errno; -ECANCELED after cancel()). A send that
  /// failed resumes it instead, its result in `u.send_result` (the receive is never made).
  Task<int> send_and_receive(UringUser& u, int fd, const char* data, std::size_t n, char* buf, std::size_t cap);
  /// Receives into `buf` only (the rest of a response).
  Task<int> receive(UringUser& u, int fd, char* buf, std::size_t cap);
  /// Cancels what `u` has in the ring (the timeout sweep): its receive completes with -ECANCELED.
  void cancel(UringUser& u);
  /// Cancels everything in the ring (the end of the run).
  void cancel_all();
  /// Operations in the ring whose completion is still to come.
  std::size_t in_flight() const { return in_flight_; }

 private:
  explicit UringIo(asio::io_context& io);
  io_uring_sqe* next_sqe();
  void queue_receive(UringUser& u, int fd, char* buf, std::size_t cap);
  Task<int> wait(UringUser& u);
  void schedule_flush();
  void flush();
  void drain();
  void arm();

  asio::io_context& io_;
  io_uring ring_{};
  bool ring_open_ = false;
  bool deferred_ = false;  // completions run only when the thread enters the ring (DEFER_TASKRUN)
  asio::posix::basic_stream_descriptor<Executor> event_;  // signalled by the ring on completions
  std::uint64_t event_count_ = 0;                         // (read to reset it before each wait)
  int stamp_keeper_ = -1;      // a socket that keeps the kernel's receive timestamps on (open)
  std::size_t in_flight_ = 0;  // receives whose completion is due (each resumes one user)
  bool flush_posted_ = false;
  bool armed_ = false;
};

}  // namespace lab
