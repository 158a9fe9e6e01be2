#include "server/acceptor.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>

#include "common/http_reply.h"
#include "common/net.h"
#include "server/stop.h"

namespace lab {

void refuse_with_503(int fd, std::atomic<std::uint64_t>& counter) {
  bump(counter);
  std::string reply;
  append_error_reply(reply, 503);
  write_all(fd, reply.data(), reply.size(), std::chrono::milliseconds(100));  // best effort
  lingering_close(fd, std::chrono::milliseconds(100));
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

int Acceptor::try_accept(sockaddr_in& peer) {
  socklen_t len = sizeof peer;
  int c = ::accept4(fd_, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_CLOEXEC | conn_flags_);
  if (c >= 0) {
    bump(stats_.connections);
    return c;
  }
  const int err = errno;
  switch (classify_accept_error(err)) {
    case AcceptErrorKind::kRetry:
      if (err == EAGAIN || err == EINTR) return kAgain;
      bump(stats_.accept_errors);
      return kSurvived;
    case AcceptErrorKind::kOutOfFds:
      shed_with_spare();
      return kOutOfFds;
    case AcceptErrorKind::kFatal:
      std::fprintf(stderr, "server: accept: %s (fatal)\n", std::strerror(err));
      return kFatal;
  }
  return kFatal;
}

int Acceptor::accept(sockaddr_in& peer, int timeout_ms) {
  for (;;) {
    if (stop_requested()) return kStopped;
    pollfd p[2] = {{fd_, POLLIN, 0}, {stop_fd(), POLLIN, 0}};
    int r = ::poll(p, 2, timeout_ms);
    if (r < 0) {
      if (errno == EINTR) continue;
      std::perror("server: poll(listener)");
      return kFatal;
    }
    if (r == 0) return kTimeout;
    if (p[1].revents) return kStopped;
    if (!p[0].revents) continue;
    int c = try_accept(peer);  // listener is non-blocking: a lost race gives EAGAIN
    if (c >= 0 || c == kFatal) return c;
    if (c == kOutOfFds) {
      // Back off so a full fd table is not a busy loop; fds free up as replies finish.
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    } else if (c == kSurvived) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
}

}  // namespace lab
