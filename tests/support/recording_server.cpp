#include "tests/support/recording_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "common/http/request_parser.h"
#include "tests/support/client.h"

namespace labtest {

RecordingServer::RecordingServer(bool ipv6) {
  fd_ = socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error(std::string("RecordingServer: socket: ") + std::strerror(errno));
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (ipv6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_addr = in6addr_loopback;
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof *a;
  }
  if (bind(fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0 || listen(fd_, 128) != 0 ||
      getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    const std::string why = std::strerror(errno);
    close(fd_);
    throw std::runtime_error("RecordingServer: bind/listen: " + why);
  }
  port_ = ntohs(ipv6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

RecordingServer::~RecordingServer() {
  stop_ = true;
  acceptor_.join();
  {
    std::lock_guard lk(mu_);
    for (int c : fds_) shutdown(c, SHUT_RDWR);
  }
  for (auto& t : conns_) t.join();
  for (int c : fds_) close(c);
  close(fd_);
}

std::vector<std::string> RecordingServer::requests() const {
  std::lock_guard lk(mu_);
  return requests_;
}

void RecordingServer::accept_loop() {
  while (!stop_) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 20) <= 0) continue;
    const int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) continue;
    ++accepted_;
    std::lock_guard lk(mu_);
    fds_.push_back(c);
    conns_.emplace_back([this, c] { serve(c); });
  }
}

void RecordingServer::serve(int c) {
  std::string in;
  char buf[4096];
  lab::RequestParser parser;
  while (!stop_) {
    const lab::ParseStatus st = parser.parse(in);
    if (st == lab::ParseStatus::kComplete) {
      const lab::Request req = parser.request();
      {
        std::lock_guard lk(mu_);
        if (requests_.size() < 1000) requests_.push_back(in.substr(0, req.total_bytes));
      }
      const bool keep = req.keep_alive;
      const std::string body = req.method == "HEAD" ? "" : "ok";  // (method points into `in`)
      in.erase(0, req.total_bytes);
      parser.reset();
      if (!send_all(c, std::string("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n") + (keep ? "" : "Connection: close\r\n") +
                           "\r\n" + body) ||
          !keep)
        return;
      continue;
    }
    if (st != lab::ParseStatus::kIncomplete) return;
    pollfd p{c, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    const ssize_t n = recv(c, buf, sizeof buf, 0);
    if (n <= 0) return;
    in.append(buf, static_cast<std::size_t>(n));
  }
}

}  // namespace labtest
