// UringIo::probe_wake: does a completion wake a thread that sleeps on the ring's eventfd, on this
// kernel? The ring's wake-up depends on the kernel's task-work mode (docs/reliability.md, round 4:
// DEFER_TASKRUN's eventfd signal came 13-24 ms late on Linux 6.18), so --client-io auto asks the
// running kernel before it chooses the ring, rather than trusting what a kernel version promises.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "loadgen/client/uring.h"

namespace lab {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kTrials = 5;
constexpr auto kAnswerAfter = std::chrono::milliseconds(1);  // the thread is asleep by then
constexpr auto kLate = std::chrono::milliseconds(5);         // later than a socket's reader: a lost wake-up
constexpr int kGiveUpMs = 200;

std::string sys_error(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

// The descriptors the probe owns, closed on every way out.
struct Fds {
  std::vector<int> fds;
  int add(int fd) {
    if (fd >= 0) fds.push_back(fd);
    return fd;
  }
  ~Fds() {
    for (const int fd : fds) ::close(fd);  // (close fails only with EBADF or EINTR: nothing to retry)
  }
};

// A connected loopback TCP pair: `a` receives through the ring, `b` answers.
std::string loopback_pair(Fds& fds, int& a, int& b) {
  const int l = fds.add(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (l < 0) return sys_error("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(l, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return sys_error("bind 127.0.0.1");
  if (::listen(l, 1) != 0) return sys_error("listen");
  if (::getsockname(l, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return sys_error("getsockname");
  a = fds.add(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (a < 0) return sys_error("socket");
  if (::connect(a, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return sys_error("connect 127.0.0.1");
  b = fds.add(::accept4(l, nullptr, nullptr, SOCK_CLOEXEC));
  if (b < 0) return sys_error("accept");
  return {};
}

// The other side answers one byte, 1 ms from now (the probing thread is asleep by then).
class Answer {
 public:
  explicit Answer(int fd)
      : thread_([this, fd] {
          std::this_thread::sleep_for(kAnswerAfter);
          at_ = Clock::now();
          if (::send(fd, "x", 1, MSG_NOSIGNAL) != 1) errno_ = errno;
        }) {}
  /// When it was sent, or a failure; waits for it.
  std::string join(Clock::time_point& at) {
    thread_.join();
    at = at_;
    return errno_ == 0 ? std::string() : std::string("send: ") + std::strerror(errno_);
  }

 private:
  Clock::time_point at_{};
  int errno_ = 0;
  std::thread thread_;
};

// Sleeps in poll() on `fd` until it is readable (or the give-up time): when it woke, or a failure.
std::string sleep_on(int fd, Clock::time_point& woke, bool& ready) {
  pollfd p{fd, POLLIN, 0};
  int n = -1;
  do n = ::poll(&p, 1, kGiveUpMs);
  while (n < 0 && errno == EINTR);
  woke = Clock::now();
  ready = n > 0;
  return n < 0 ? sys_error("poll") : std::string();
}

// Asleep on `fd` while `answer_fd` answers 1 ms later: how long after the answer the thread woke
// (the give-up time if it did not), and whether `fd` became readable.
std::string wake_after_answer(int fd, int answer_fd, Clock::duration& late, bool& ready) {
  Answer answer(answer_fd);
  Clock::time_point woke{};
  Clock::time_point answered{};
  const std::string slept = sleep_on(fd, woke, ready);
  if (std::string e = answer.join(answered); !e.empty()) return e;
  if (!slept.empty()) return slept;
  late = ready ? woke - answered : std::chrono::milliseconds(kGiveUpMs);
  return {};
}

// One round trip on the ring: a receive in it, the thread asleep on the eventfd, the answer 1 ms
// later. `late`: how long after the answer the thread woke.
std::string ring_trial(io_uring& ring, int efd, int a, int b, bool signal, Clock::duration& late) {
  char byte = 0;
  io_uring_sqe* sqe = io_uring_get_sqe(&ring);
  if (!sqe) return "io_uring: no submission entry";
  io_uring_prep_recv(sqe, a, &byte, 1, 0);
  io_uring_sqe_set_data64(sqe, 1);
  if (const int rc = io_uring_submit(&ring); rc < 0) return std::string("io_uring_submit: ") + std::strerror(-rc);
  if (io_uring_cq_eventfd_toggle(&ring, signal) < 0) return "io_uring_cq_eventfd_toggle: unsupported";
  bool ready = false;
  if (std::string e = wake_after_answer(efd, b, late, ready); !e.empty()) return e;
  if (io_uring_cq_eventfd_toggle(&ring, false) < 0) return "io_uring_cq_eventfd_toggle: unsupported";
  std::uint64_t count = 0;
  if (ready && ::read(efd, &count, sizeof count) != sizeof count) return sys_error("read eventfd");
  // The receive's completion (it is in, or comes within the give-up time).
  io_uring_cqe* cqe = nullptr;
  __kernel_timespec most{0, kGiveUpMs * 1'000'000L};
  if (const int rc = io_uring_wait_cqe_timeout(&ring, &cqe, &most); rc < 0)
    return std::string("the probe's receive did not complete: ") + std::strerror(-rc);
  const int res = cqe->res;
  io_uring_cqe_seen(&ring, cqe);
  if (res != 1) return std::string("the probe's receive returned ") + std::to_string(res);
  return {};
}

// The same round trip as the sockets path waits for it: asleep on the socket itself.
std::string socket_trial(int a, int b, Clock::duration& late) {
  bool ready = false;
  if (std::string e = wake_after_answer(a, b, late, ready); !e.empty()) return e;
  char byte = 0;
  if (ready && ::recv(a, &byte, 1, 0) != 1) return sys_error("recv");
  return {};
}

Clock::duration median(std::vector<Clock::duration> v) {
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

}  // namespace

std::string UringIo::probe_on_this_thread(double& median_us, bool signal) {
  median_us = -1;
  io_uring ring{};
  if (const int rc = setup(ring, 4, false); rc < 0) return std::string("io_uring_setup: ") + std::strerror(-rc);
  struct Exit {
    io_uring& r;
    ~Exit() { io_uring_queue_exit(&r); }
  } exit_ring{ring};
  Fds fds;
  const int efd = fds.add(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (efd < 0) return sys_error("eventfd");
  if (const int rc = io_uring_register_eventfd(&ring, efd); rc < 0)
    return std::string("io_uring_register_eventfd: ") + std::strerror(-rc);
  if (io_uring_cq_eventfd_toggle(&ring, false) < 0) return "io_uring_cq_eventfd_toggle: unsupported";
  int a = -1;
  int b = -1;
  if (std::string e = loopback_pair(fds, a, b); !e.empty()) return "the probe's connection: " + e;
  // Ring and socket trials alternated, so that a busy machine delays both alike.
  std::vector<Clock::duration> ring_lates;
  std::vector<Clock::duration> socket_lates;
  for (int i = 0; i < kTrials; ++i) {
    Clock::duration late{};
    if (std::string e = ring_trial(ring, efd, a, b, signal, late); !e.empty()) return e;
    ring_lates.push_back(late);
    if (std::string e = socket_trial(a, b, late); !e.empty()) return e;
    socket_lates.push_back(late);
  }
  const Clock::duration ring_median = median(ring_lates);
  const Clock::duration socket_median = median(socket_lates);
  median_us = std::chrono::duration<double, std::micro>(ring_median).count();
  if (ring_median > socket_median + kLate) {
    char buf[200];
    std::snprintf(buf, sizeof buf,
                  "a completion woke the thread asleep on the ring's eventfd %.1f ms after it arrived, a socket's "
                  "reader %.1f ms (medians of %d)",
                  median_us / 1000.0, std::chrono::duration<double, std::milli>(socket_median).count(), kTrials);
    return buf;
  }
  return {};
}

// On a thread of its own: the ring's teardown leaves task work for the thread that owned it, which
// interrupts that thread's next wait (an EINTR the caller did not ask for).
std::string UringIo::probe_wake(double& median_us, bool signal) {
  std::string why;
  std::thread t([&] { why = probe_on_this_thread(median_us, signal); });
  t.join();
  return why;
}

}  // namespace lab
