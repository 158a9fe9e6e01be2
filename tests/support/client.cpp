#include "tests/support/client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace labtest {

int connect_to(std::uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool send_all(int fd, const std::string& data) {
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

static bool wait_readable(int fd, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    int r = poll(&p, 1, static_cast<int>(left));
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) return false;
  }
}

std::string read_until_eof(int fd, std::chrono::milliseconds timeout, bool* eof) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string out;
  char buf[16384];
  if (eof) *eof = false;
  while (wait_readable(fd, deadline)) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n > 0) {
      out.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (eof) *eof = true;  // EOF or reset: the server is done with us
    break;
  }
  return out;
}

std::string read_n(int fd, std::size_t n, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string out;
  char buf[16384];
  while (out.size() < n && wait_readable(fd, deadline)) {
    ssize_t r = recv(fd, buf, std::min(sizeof buf, n - out.size()), 0);
    if (r <= 0) break;
    out.append(buf, static_cast<std::size_t>(r));
  }
  return out;
}

std::string read_http11_response(int fd, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string out;
  char c;
  while (out.find("\r\n\r\n") == std::string::npos && wait_readable(fd, deadline)) {
    if (recv(fd, &c, 1, 0) != 1) return out;
    out.push_back(c);
  }
  auto pos = out.find("Content-Length: ");
  if (pos == std::string::npos) return out;
  std::size_t len = std::stoul(out.substr(pos + 16));
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return out + read_n(fd, len, left);
}

std::string fetch(std::uint16_t port, const std::string& request, std::chrono::milliseconds timeout) {
  int fd = connect_to(port);
  if (fd < 0) return {};
  std::string out;
  if (send_all(fd, request)) out = read_until_eof(fd, timeout);
  close(fd);
  return out;
}

void set_abortive_close(int fd) {
  linger l{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
}

}  // namespace labtest
