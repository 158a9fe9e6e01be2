#include "tests/support/bad_server.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <stdexcept>

#include "common/net.h"
#include "tests/support/client.h"
#include "tests/support/tls_server.h"

namespace labtest {

using namespace std::chrono_literals;

BadServer::BadServer(Mode m, bool tls) : mode_(m) {
  if (tls && !(tls_ = test_server_tls_context())) throw std::runtime_error("BadServer: no test certificate (openssl)");
  lab::ListenOptions o;
  o.nonblocking = true;
  std::string err;
  fd_ = lab::make_listener(o, err);
  if (fd_ < 0) throw std::runtime_error("BadServer: " + err);
  port_ = lab::local_port(fd_);
  acceptor_ = std::thread([this] { accept_loop(); });
}

BadServer::~BadServer() {
  stop_ = true;
  acceptor_.join();
  {
    std::lock_guard lk(mu_);
    for (int c : fds_)
      if (c >= 0) shutdown(c, SHUT_RDWR);  // wakes a thread blocked in send or poll
  }
  for (auto& t : conns_) t.join();
  for (int c : fds_)
    if (c >= 0) close(c);
  close(fd_);
}

void BadServer::close_now(int fd) {
  std::lock_guard lk(mu_);
  for (int& c : fds_)
    if (c == fd) c = -1;
  close(fd);
}

void BadServer::accept_loop() {
  while (!stop_) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 20) <= 0) continue;
    int c = accept(fd_, nullptr, nullptr);
    if (c < 0) continue;
    ++accepted_;
    std::lock_guard lk(mu_);
    fds_.push_back(c);
    conns_.emplace_back([this, c] { serve(c); });
  }
}

// Sends unless stopping; false once the peer is gone or the server stops.
bool BadServer::send_paced(const Link& l, const std::string& data) {
  if (stop_) return false;
  if (!l.ssl) return send_all(l.fd, data);
  return data.empty() || SSL_write(l.ssl, data.data(), static_cast<int>(data.size())) > 0;
}

// `unit` repeated in 1 MiB sends, as fast as the peer takes them: a reader never waits.
void BadServer::send_forever(const Link& l, const std::string& unit) {
  std::string block;
  while (block.size() < (1u << 20)) block += unit;
  while (send_paced(l, block)) {
  }
}

void BadServer::serve(int c) {
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(tls_ ? SSL_new(tls_) : nullptr, &SSL_free);
  if (tls_ && (!ssl || SSL_set_fd(ssl.get(), c) != 1 || SSL_accept(ssl.get()) != 1)) return;
  const Link l{c, ssl.get()};
  char buf[4096];
  auto read_request = [&] {
    if (l.ssl && SSL_pending(l.ssl) > 0) return SSL_read(l.ssl, buf, sizeof buf) > 0;
    pollfd q{c, POLLIN, 0};
    if (poll(&q, 1, 1000) <= 0) return false;
    return l.ssl ? SSL_read(l.ssl, buf, sizeof buf) > 0 : recv(c, buf, sizeof buf, 0) > 0;
  };
  auto sleep_unless_stopped = [&](std::chrono::milliseconds d) {
    for (auto t = 0ms; t < d && !stop_; t += 10ms) std::this_thread::sleep_for(10ms);
  };
  do {
    if (!read_request()) return;
    switch (mode_) {
      case kReset:
        set_abortive_close(c);
        close_now(c);
        return;
      case kGarbage:
        send_paced(l, "HELLO THERE\r\n\r\n");
        close_now(c);
        return;
      case kStall: return;  // held open until the destructor
      case kError500:
        send_paced(l, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        close_now(c);
        return;
      case kNotFound:
        if (!send_paced(l, "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found")) return;
        break;
      case kRedirect:
        if (!send_paced(l, "HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n")) return;
        break;
      case kEndlessBody:
        if (!send_paced(l, "HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\n")) return;
        return send_forever(l, std::string(100, 'x'));
      case kEndlessHeaders:
        if (!send_paced(l, "HTTP/1.1 200 OK\r\n")) return;
        return send_forever(l, "X-Again: " + std::string(100, 'h') + "\r\n");
      case kEndlessTrailers:
        if (!send_paced(l, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n")) return;
        return send_forever(l, "X-Trailer: " + std::string(100, 't') + "\r\n");
      case kEndlessInterims: return send_forever(l, "HTTP/1.1 100 Continue\r\n\r\n");
      case kSlowDrip: {
        const std::string reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        for (char ch : reply) {
          if (!send_paced(l, std::string(1, ch))) return;
          sleep_unless_stopped(100ms);
        }
        break;
      }
      case kNeverClose: send_paced(l, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nand more"); return;
      case kInterimThenOk:
        if (!send_paced(l, "HTTP/1.1 100 Continue\r\n\r\n")) return;
        sleep_unless_stopped(50ms);
        if (!send_paced(l, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")) return;
        break;
      case kTruncated:
        send_paced(l, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + std::string(50, 'y'));
        close_now(c);
        return;
      case kChunkOverflow:
        send_paced(l, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + std::string(21, 'f') + "\r\nabc");
        return;
      case kTlsAlert:
        // TLS 1.2 record: alert (21), version 3.3, length 2, fatal (2), protocol_version (70)
        send_paced(l, std::string("\x15\x03\x03\x00\x02\x02\x46", 7));
        close_now(c);
        return;
    }
  } while (!stop_);
}

}  // namespace labtest
