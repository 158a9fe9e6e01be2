#include "server/calibrate/probes.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <thread>

#include "server/work.h"

namespace lab {

namespace {

using Clock = std::chrono::steady_clock;

double us_since(Clock::time_point t0) { return std::chrono::duration<double, std::micro>(Clock::now() - t0).count(); }

std::string sys_error(const char* call) { return std::string(call) + ": " + std::strerror(errno); }

// Runs `op` (n operations; "" or an error) in batches of about kBatchUs each, at least kMinBatches
// and until kBudgetUs of batches or kMaxBatches: the time per operation of each batch.
constexpr double kBatchUs = 20'000, kBudgetUs = 500'000;
constexpr int kMinBatches = 11, kMaxBatches = 41;

ProbeResult batches(std::string name, std::string what, const std::function<std::string(std::size_t)>& op,
                    double max_per_batch = 1e6) {
  ProbeResult r{std::move(name), std::move(what), {}, 0, ""};
  auto t0 = Clock::now();
  if (std::string e = op(1); !e.empty()) {  // warm up, and size the batch from one operation
    r.error = e;
    return r;
  }
  const double one = std::max(0.01, us_since(t0));
  r.per_batch = static_cast<std::size_t>(std::clamp(kBatchUs / one, 1.0, max_per_batch));
  const auto start = Clock::now();
  while (static_cast<int>(r.us.size()) < kMaxBatches &&
         (static_cast<int>(r.us.size()) < kMinBatches || us_since(start) < kBudgetUs)) {
    t0 = Clock::now();
    if (std::string e = op(r.per_batch); !e.empty()) {
      r.error = e;
      return r;
    }
    r.us.push_back(us_since(t0) / static_cast<double>(r.per_batch));
  }
  return r;
}

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      if (fd_ >= 0) ::close(fd_);
      fd_ = o.fd_;
      o.fd_ = -1;
    }
    return *this;
  }
  int get() const { return fd_; }
  bool ok() const { return fd_ >= 0; }

 private:
  int fd_;
};

// A loopback listener on an ephemeral port.
std::string listen_loopback(Fd& out, sockaddr_in& addr) {
  Fd l(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!l.ok()) return sys_error("socket");
  addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(l.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return sys_error("bind");
  if (::listen(l.get(), 1024) != 0) return sys_error("listen");
  if (::getsockname(l.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) return sys_error("getsockname");
  out = std::move(l);
  return "";
}

bool write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

bool read_all(int fd, char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t r = ::read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

}  // namespace

ProbeResult probe_fork() {
  return batches("fork_exit_wait", "fork() of the server process, the child _exit(0)s, waitpid()", [](std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      const pid_t pid = ::fork();
      if (pid < 0) return sys_error("fork");
      if (pid == 0) ::_exit(0);
      int status = 0;
      while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return sys_error("waitpid");
    }
    return std::string();
  });
}

// vfork in a frame of its own: the child only _exits, and the caller's loop variables stay out
// of the shared stack frame.
__attribute__((noinline)) pid_t vfork_child() {
  const pid_t pid = ::vfork();
  if (pid == 0) ::_exit(0);
  return pid;
}

ProbeResult probe_vfork() {
  return batches("vfork_exit_wait", "vfork(): a process without a copy of the memory map, _exit(0), waitpid()",
                 [](std::size_t n) {
                   for (std::size_t i = 0; i < n; ++i) {
                     const pid_t pid = vfork_child();
                     if (pid < 0) return sys_error("vfork");
                     int status = 0;
                     while (::waitpid(pid, &status, 0) < 0)
                       if (errno != EINTR) return sys_error("waitpid");
                   }
                   return std::string();
                 });
}

ProbeResult probe_thread() {
  return batches("thread_create_join", "std::thread start and join of a thread that returns at once",
                 [](std::size_t n) {
                   try {
                     for (std::size_t i = 0; i < n; ++i) std::thread([] {}).join();
                   } catch (const std::system_error& e) {
                     return std::string("pthread_create: ") + e.what();
                   }
                   return std::string();
                 });
}

ProbeResult probe_context_switch() {
  int a[2], b[2];
  if (::pipe2(a, O_CLOEXEC) != 0) return {"context_switch", "", {}, 0, sys_error("pipe2")};
  Fd a0(a[0]), a1(a[1]);
  if (::pipe2(b, O_CLOEXEC) != 0) return {"context_switch", "", {}, 0, sys_error("pipe2")};
  Fd b0(b[0]), b1(b[1]);
  // The partner echoes each byte until it reads 'q' (or the pipe closes).
  std::thread partner([&] {
    char c = 0;
    while (read_all(a0.get(), &c, 1) && c != 'q')
      if (!write_all(b1.get(), &c, 1)) break;
  });
  ProbeResult r = batches("context_switch",
                          "one switch between two threads on this CPU (half a ping-pong of a byte over two pipes)",
                          [&](std::size_t n) {
                            char c = 'x';
                            for (std::size_t i = 0; i < n; ++i)
                              if (!write_all(a1.get(), &c, 1) || !read_all(b0.get(), &c, 1))
                                return sys_error("pipe ping-pong");
                            return std::string();
                          });
  const char q = 'q';
  if (!write_all(a1.get(), &q, 1)) r.error = sys_error("write");
  partner.join();
  for (double& v : r.us) v /= 2;  // a round trip is two switches
  return r;
}

std::vector<ProbeResult> probe_connections() {
  Fd l;
  sockaddr_in addr{};
  if (std::string e = listen_loopback(l, addr); !e.empty())
    return {{"tcp_connect_close", "", {}, 0, e}, {"tcp_accept_close", "", {}, 0, e}};
  ProbeResult client{
      "tcp_connect_close", "the client's socket + connect + close of a loopback TCP connection", {}, 0, ""};
  ProbeResult server{"tcp_accept_close", "the server's accept + close of that connection", {}, 0, ""};
  double client_us = 0, server_us = 0;
  // One connection at a time: connect completes in the kernel (loopback), accept finds it queued.
  auto op = [&](std::size_t n) {
    client_us = server_us = 0;
    for (std::size_t i = 0; i < n; ++i) {
      auto t0 = Clock::now();
      Fd c(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
      if (!c.ok()) return sys_error("socket");
      if (::connect(c.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) return sys_error("connect");
      client_us += us_since(t0);
      t0 = Clock::now();
      const int s = ::accept4(l.get(), nullptr, nullptr, SOCK_CLOEXEC);
      if (s < 0) return sys_error("accept4");
      if (::close(s) != 0) return sys_error("close");  // the server closes first: TIME_WAIT on its side
      server_us += us_since(t0);
      t0 = Clock::now();
      { Fd gone(std::move(c)); }
      client_us += us_since(t0);
    }
    return std::string();
  };
  // At most 100 a batch: each leaves a TIME_WAIT behind, and loopback's ephemeral ports are shared
  // with whatever runs next.
  bool warm = false;
  ProbeResult both = batches(
      "tcp", "",
      [&](std::size_t n) {
        std::string e = op(n);
        if (e.empty() && warm) {
          client.us.push_back(client_us / static_cast<double>(n));
          server.us.push_back(server_us / static_cast<double>(n));
        }
        warm = true;
        return e;
      },
      100);
  client.per_batch = server.per_batch = both.per_batch;
  client.error = server.error = both.error;
  return {client, server};
}

ProbeResult probe_round_trip() {
  Fd l;
  sockaddr_in addr{};
  if (std::string e = listen_loopback(l, addr); !e.empty()) return {"loopback_round_trip", "", {}, 0, e};
  Fd c(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!c.ok()) return {"loopback_round_trip", "", {}, 0, sys_error("socket")};
  if (::connect(c.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
    return {"loopback_round_trip", "", {}, 0, sys_error("connect")};
  Fd s(::accept4(l.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!s.ok()) return {"loopback_round_trip", "", {}, 0, sys_error("accept4")};
  const int one = 1;
  if (::setsockopt(c.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0 ||
      ::setsockopt(s.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
    return {"loopback_round_trip", "", {}, 0, sys_error("setsockopt TCP_NODELAY")};
  constexpr std::size_t kSize = 64;
  std::thread echo([&] {  // until the client shuts its side
    char buf[kSize];
    while (read_all(s.get(), buf, kSize))
      if (!write_all(s.get(), buf, kSize)) break;
  });
  ProbeResult r =
      batches("loopback_round_trip",
              "a 64-byte request and reply over an open loopback TCP connection to an echo thread", [&](std::size_t n) {
                char buf[kSize] = {};
                for (std::size_t i = 0; i < n; ++i)
                  if (!write_all(c.get(), buf, kSize) || !read_all(c.get(), buf, kSize)) return sys_error("round trip");
                return std::string();
              });
  if (::shutdown(c.get(), SHUT_WR) != 0) r.error = sys_error("shutdown");
  echo.join();
  return r;
}

std::vector<ProbeResult> probe_readiness(const std::vector<int>& sizes) {
  std::vector<ProbeResult> out;
  for (const int n : sizes) {
    std::vector<Fd> fds;
    std::string error;
    for (int i = 0; i < n && error.empty(); ++i) {
      fds.emplace_back(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
      if (!fds.back().ok()) error = sys_error("eventfd");
    }
    const std::string suffix = "_" + std::to_string(n);
    if (!error.empty()) {
      for (const char* name : {"poll", "select", "epoll_wait"}) out.push_back({name + suffix, "", {}, 0, error});
      continue;
    }
    const std::uint64_t v = 1;  // the last one is ready (and stays ready: nobody reads it)
    if (::write(fds.back().get(), &v, sizeof v) != static_cast<ssize_t>(sizeof v)) {
      error = sys_error("write eventfd");
      for (const char* name : {"poll", "select", "epoll_wait"}) out.push_back({name + suffix, "", {}, 0, error});
      continue;
    }
    const std::string idle = std::to_string(n - 1) + " idle descriptors and one ready";
    std::vector<pollfd> pfds;
    for (const Fd& f : fds) pfds.push_back({f.get(), POLLIN, 0});
    out.push_back(batches("poll" + suffix, "poll() over " + idle, [&](std::size_t k) {
      for (std::size_t i = 0; i < k; ++i)
        if (::poll(pfds.data(), pfds.size(), 0) != 1) return sys_error("poll");
      return std::string();
    }));
    int top = 0;
    for (const Fd& f : fds) top = std::max(top, f.get());
    if (top < FD_SETSIZE) {
      out.push_back(batches("select" + suffix, "select() over " + idle, [&](std::size_t k) {
        for (std::size_t i = 0; i < k; ++i) {
          fd_set set;
          FD_ZERO(&set);
          for (const Fd& f : fds) FD_SET(f.get(), &set);
          timeval zero{0, 0};
          if (::select(top + 1, &set, nullptr, nullptr, &zero) != 1) return sys_error("select");
        }
        return std::string();
      }));
    }
    Fd ep(::epoll_create1(EPOLL_CLOEXEC));
    if (!ep.ok()) {
      out.push_back({"epoll_wait" + suffix, "", {}, 0, sys_error("epoll_create1")});
      continue;
    }
    for (const Fd& f : fds) {
      epoll_event e{};
      e.events = EPOLLIN;
      e.data.fd = f.get();
      if (::epoll_ctl(ep.get(), EPOLL_CTL_ADD, f.get(), &e) != 0) error = sys_error("epoll_ctl");
    }
    if (!error.empty()) {
      out.push_back({"epoll_wait" + suffix, "", {}, 0, error});
      continue;
    }
    out.push_back(
        batches("epoll_wait" + suffix, "epoll_wait() over " + idle + " (registered once)", [&](std::size_t k) {
          epoll_event ev[8];
          for (std::size_t i = 0; i < k; ++i)
            if (::epoll_wait(ep.get(), ev, 8, 0) != 1) return sys_error("epoll_wait");
          return std::string();
        }));
  }
  return out;
}

ProbeResult probe_copy() {
  constexpr std::size_t kBytes = 256 * 1024;
  std::vector<char> from(kBytes, 'x'), to(kBytes, 'y');
  return batches("memcpy_256k", "memcpy of 256 KiB between two buffers in memory", [&](std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      from[i % kBytes] = static_cast<char>(i);
      std::memcpy(to.data(), from.data(), kBytes);
      asm volatile("" : : "r"(to.data()) : "memory");
    }
    return std::string();
  });
}

ProbeResult probe_busy_loop() {
  calibrate_busy_work();
  return batches("busy_loop_200us", "the --work-us busy loop asked for 200 us", [](std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) busy_work(std::chrono::microseconds(200));
    return std::string();
  });
}

ProbeResult probe_sleep() {
  return batches("nanosleep_1us", "nanosleep() of 1 us: the shortest sleep, with the timer's slack", [](std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      timespec ts{0, 1000};
      while (::nanosleep(&ts, &ts) != 0)
        if (errno != EINTR) return sys_error("nanosleep");
    }
    return std::string();
  });
}

ProbeResult probe_clock() {
  return batches("clock_gettime", "clock_gettime(CLOCK_MONOTONIC)", [](std::size_t n) {
    timespec ts{};
    for (std::size_t i = 0; i < n; ++i)
      if (::clock_gettime(CLOCK_MONOTONIC, &ts) != 0) return sys_error("clock_gettime");
    return std::string();
  });
}

}  // namespace lab
