#include "tests/support/tls_server.h"

#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "common/net.h"

namespace labtest {

SSL_CTX* test_server_tls_context() {
  static const std::string dir =
      (std::filesystem::temp_directory_path() / ("loadlab-tls-" + std::to_string(getpid()))).string();
  static SSL_CTX* const ctx = []() -> SSL_CTX* {
    // OpenSSL's socket BIO writes with write(): a client that has gone must be an error, not a
    // SIGPIPE that ends the test process.
    lab::ignore_sigpipe();
    const std::string cmd = "bash -c 'source " SOURCE_DIR "/scripts/lib/test-cert.sh && make_test_cert " + dir + "'";
    const int made = std::system(cmd.c_str());
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    });
    if (made != 0) return nullptr;
    SSL_CTX* c = SSL_CTX_new(TLS_server_method());
    if (!c || SSL_CTX_use_certificate_chain_file(c, (dir + "/server.pem").c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(c, (dir + "/server.key").c_str(), SSL_FILETYPE_PEM) != 1) {
      SSL_CTX_free(c);
      return nullptr;
    }
    return c;
  }();
  return ctx;
}

TlsServer::TlsServer(bool close_notify) : close_notify_(close_notify) {
  ctx_ = test_server_tls_context();
  if (!ctx_) return;
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(listen_fd_, 128) != 0 || ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    return;
  port_ = ntohs(a.sin_port);
  ok_ = true;
  thread_ = std::thread([this] { serve(); });
}

TlsServer::~TlsServer() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

void TlsServer::serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    SSL* ssl = SSL_new(ctx_);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) == 1) {
      char buf[4096];
      int got = 0;
      std::string req;
      while (req.find("\r\n\r\n") == std::string::npos && (got = SSL_read(ssl, buf, sizeof buf)) > 0)
        req.append(buf, got);
      const std::string reply = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nhello, until the close\n";
      SSL_write(ssl, reply.data(), static_cast<int>(reply.size()));
      if (close_notify_) SSL_shutdown(ssl);  // else: the stream is cut, as by a failure or an attacker
    }
    SSL_free(ssl);
    ::close(fd);
  }
}

}  // namespace labtest
