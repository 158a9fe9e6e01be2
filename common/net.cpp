#include "common/net.h"

#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace lab {

FdLimit raise_fd_limit() {
  FdLimit out;
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return out;
  if (rl.rlim_cur < rl.rlim_max) {
    rlimit want = rl;
    want.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &want) == 0) {
      rl = want;
      out.raised = true;
    }
  }
  out.soft = rl.rlim_cur;
  out.hard = rl.rlim_max;
  return out;
}

int count_open_fds() {
  DIR* d = opendir("/proc/self/fd");
  if (!d) return -1;
  int n = 0;
  while (dirent* e = readdir(d))
    if (e->d_name[0] != '.') ++n;
  closedir(d);
  return n - 1;  // the DIR's own fd
}

void ignore_sigpipe() {
  struct sigaction sa {};
  sa.sa_handler = SIG_IGN;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGPIPE, &sa, nullptr) != 0) std::perror("sigaction(SIGPIPE)");
}

static std::string errmsg(const char* call, int err) { return std::string(call) + ": " + std::strerror(err); }

int make_listener(const ListenOptions& o, std::string& error) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(o.port);
  if (inet_pton(AF_INET, o.host.c_str(), &addr.sin_addr) != 1) {
    error = "invalid IPv4 address '" + o.host + "' (use e.g. 127.0.0.1)";
    return -1;
  }
  int type = SOCK_STREAM | SOCK_CLOEXEC | (o.nonblocking ? SOCK_NONBLOCK : 0);
  int fd = ::socket(AF_INET, type, 0);
  if (fd < 0) {
    error = errmsg("socket", errno);
    return -1;
  }
  int one = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      (o.reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)) {
    error = errmsg("setsockopt(SO_REUSEADDR/SO_REUSEPORT)", errno);
    ::close(fd);
    return -1;
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    error = errmsg("bind", errno) + " (" + o.host + ":" + std::to_string(o.port) + ")";
    ::close(fd);
    return -1;
  }
  if (::listen(fd, o.backlog) != 0) {
    error = errmsg("listen", errno);
    ::close(fd);
    return -1;
  }
  return fd;
}

std::uint16_t local_port(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) return 0;
  return ntohs(a.sin_port);
}

std::string peer_string(const sockaddr_in& a) {
  char ip[INET_ADDRSTRLEN] = "?";
  if (!inet_ntop(AF_INET, &a.sin_addr, ip, sizeof ip)) std::strcpy(ip, "?");
  return "('" + std::string(ip) + "', " + std::to_string(ntohs(a.sin_port)) + ")";
}

bool set_nonblocking(int fd, bool on) {
  int flags = fcntl(fd, F_GETFL, 0);
  if (flags < 0) return false;
  flags = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
  return fcntl(fd, F_SETFL, flags) == 0;
}

bool set_nodelay(int fd) {
  int one = 1;
  return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0;
}

bool input_waiting(int fd) {
  char c;
  for (;;) {
    ssize_t n = ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n > 0) return true;  // unread input: close() would send RST
    if (n < 0 && errno == EINTR) continue;
    return false;  // EOF, nothing waiting (EAGAIN), or already broken
  }
}

void lingering_close(int fd, std::chrono::milliseconds linger) {
  // ENOTCONN: the peer is already gone; nothing to protect.
  if (input_waiting(fd) && ::shutdown(fd, SHUT_WR) == 0) {
    auto deadline = std::chrono::steady_clock::now() + linger;
    char sink[4096];
    // What the peer already sent goes first, without waiting (linger 0 still drains it).
    for (int i = 0; i < 64 && ::recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0; ++i) {
    }
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd, POLLIN, 0};
      int r = ::poll(&p, 1, static_cast<int>(left.count()));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break;
      ssize_t n = ::recv(fd, sink, sizeof sink, MSG_DONTWAIT);
      if (n > 0) continue;
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      break;  // EOF or error: done
    }
  }
  ::close(fd);
}

int write_all(int fd, const char* data, std::size_t n, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (n > 0) {
    ssize_t w = ::send(fd, data, n, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w > 0) {
      data += w;
      n -= static_cast<std::size_t>(w);
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno != EAGAIN) return errno;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return ETIMEDOUT;
    pollfd p{fd, POLLOUT, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno != EINTR) return errno;
  }
  return 0;
}

AcceptErrorKind classify_accept_error(int err) {
  switch (err) {
    case EAGAIN:
    case EINTR:
    case ECONNABORTED:
    case EPROTO:
    case EPERM:
    case ENETDOWN:
    case ENOPROTOOPT:
    case EHOSTDOWN:
    case ENONET:
    case EHOSTUNREACH:
    case EOPNOTSUPP:
    case ENETUNREACH:
    case ENOBUFS:
    case ENOMEM: return AcceptErrorKind::kRetry;
    case EMFILE:
    case ENFILE: return AcceptErrorKind::kOutOfFds;
    default: return AcceptErrorKind::kFatal;
  }
}

int somaxconn() {
  FILE* f = std::fopen("/proc/sys/net/core/somaxconn", "r");
  if (!f) return -1;
  int v = -1;
  if (std::fscanf(f, "%d", &v) != 1) v = -1;
  std::fclose(f);
  return v;
}

}  // namespace lab
