#include "server/acceptor.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>

#include "common/http/reply.h"
#include "common/net.h"
#include "server/stop.h"

namespace lab {

void refuse_with_503(int fd, std::atomic<std::uint64_t>& counter, std::chrono::milliseconds wait) {
  bump(counter);
  std::string reply;
  append_error_reply(reply, 503);
  write_all(fd, reply.data(), reply.size(), wait);  // best effort: refused either way
  lingering_close(fd, wait);
}

Acceptor::Acceptor(int listen_fd, ServerStats& stats)
    : fd_(listen_fd), spare_(::open("/dev/null", O_RDONLY | O_CLOEXEC)), stats_(stats) {
  if (spare_ < 0) std::perror("server: open(/dev/null) for the spare fd");
}

Acceptor::~Acceptor() {
  if (spare_ >= 0) ::close(spare_);
}

void Acceptor::shed_with_spare() {
  bump(stats_.accept_out_of_fds);
  if (spare_ >= 0) {
    ::close(spare_);
    int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (c >= 0) ::close(c);
    spare_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  }
}

Accepted Acceptor::try_accept() {
  Accepted a;
  socklen_t len = sizeof a.peer;
  const int c = ::accept4(fd_, reinterpret_cast<sockaddr*>(&a.peer), &len, SOCK_CLOEXEC | conn_flags_);
  if (c >= 0) {
    bump(stats_.connections);
    if (!set_nodelay(c)) bump(stats_.option_errors);
    a.kind = Accepted::Kind::kConnection;
    a.fd = c;
    return a;
  }
  const int err = errno;
  switch (classify_accept_error(err)) {
    case AcceptErrorKind::kRetry:
      if (err == EAGAIN || err == EINTR) {
        a.kind = Accepted::Kind::kAgain;
      } else {
        bump(stats_.accept_errors);
        a.kind = Accepted::Kind::kSurvived;
      }
      return a;
    case AcceptErrorKind::kOutOfFds:
      shed_with_spare();
      a.kind = Accepted::Kind::kOutOfFds;
      return a;
    case AcceptErrorKind::kFatal: std::fprintf(stderr, "server: accept: %s (fatal)\n", std::strerror(err)); return a;
  }
  return a;
}

Accepted Acceptor::accept(int timeout_ms) {
  for (;;) {
    if (stop_requested()) return {Accepted::Kind::kStopped};
    pollfd p[2] = {{fd_, POLLIN, 0}, {stop_fd(), POLLIN, 0}};
    const int r = ::poll(p, 2, timeout_ms);
    if (r < 0) {
      if (errno == EINTR) continue;
      std::perror("server: poll(listener)");
      return {Accepted::Kind::kFatal};
    }
    if (r == 0) return {Accepted::Kind::kTimeout};
    if (p[1].revents) return {Accepted::Kind::kStopped};
    if (!p[0].revents) continue;
    Accepted a = try_accept();  // the listener is non-blocking: a lost race gives kAgain
    switch (a.kind) {
      case Accepted::Kind::kConnection:
      case Accepted::Kind::kFatal: return a;
      case Accepted::Kind::kOutOfFds:
        // Back off so a full fd table is not a busy loop; fds free up as replies finish.
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        break;
      case Accepted::Kind::kSurvived: std::this_thread::sleep_for(std::chrono::milliseconds(1)); break;
      default: break;
    }
  }
}

}  // namespace lab
