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

#include "loadgen/run/uring.h"

namespace lab {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kTrials = 5;
constexpr auto kAnswerAfter = std::chrono::milliseconds(1);  // the thread is asleep by then
constexpr auto kLate = std::chrono::milliseconds(5);        // a healthy wake-up takes tens of us
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

// One round trip: a receive in the ring, the thread asleep on the eventfd, the answer 1 ms later.
// Returns how long after the answer the thread woke, or a failure.
std::string one_trial(io_uring& ring, int efd, int a, int b, Clock::duration& late) {
  char byte = 0;
  io_uring_sqe* sqe = io_uring_get_sqe(&ring);
  if (!sqe) return "io_uring: no submission entry";
  io_uring_prep_recv(sqe, a, &byte, 1, 0);
  io_uring_sqe_set_data64(sqe, 1);
  if (const int rc = io_uring_submit(&ring); rc < 0) return std::string("io_uring_submit: ") + std::strerror(-rc);
  if (const int rc = io_uring_cq_eventfd_toggle(&ring, true); rc < 0) return "io_uring_cq_eventfd_toggle: unsupported";
  Clock::time_point answered{};
  int write_errno = 0;
  std::thread answer([&] {
    std::this_thread::sleep_for(kAnswerAfter);
    answered = Clock::now();
    if (::send(b, "x", 1, MSG_NOSIGNAL) != 1) write_errno = errno;
  });
  pollfd p{efd, POLLIN, 0};
  int n = -1;
  do n = ::poll(&p, 1, kGiveUpMs);
  while (n < 0 && errno == EINTR);
  const int poll_errno = errno;
  const Clock::time_point woke = Clock::now();
  answer.join();
  if (write_errno != 0) return std::string("send: ") + std::strerror(write_errno);
  if (n < 0) return std::string("poll: ") + std::strerror(poll_errno);
  late = n == 0 ? std::chrono::milliseconds(kGiveUpMs) : woke - answered;
  if (const int rc = io_uring_cq_eventfd_toggle(&ring, false); rc < 0) return "io_uring_cq_eventfd_toggle: unsupported";
  std::uint64_t count = 0;
  if (n > 0 && ::read(efd, &count, sizeof count) != sizeof count) return sys_error("read eventfd");
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

}  // namespace

std::string UringIo::probe_wake(double& median_us) {
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
  std::vector<Clock::duration> lates;
  for (int i = 0; i < kTrials; ++i) {
    Clock::duration late{};
    if (std::string e = one_trial(ring, efd, a, b, late); !e.empty()) return e;
    lates.push_back(late);
  }
  std::nth_element(lates.begin(), lates.begin() + kTrials / 2, lates.end());
  const Clock::duration median = lates[kTrials / 2];
  median_us = std::chrono::duration<double, std::micro>(median).count();
  if (median > kLate) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "a completion woke the sleeping thread %.1f ms after it arrived (median of %d)",
                  median_us / 1000.0, kTrials);
    return buf;
  }
  return {};
}

}  // namespace lab
