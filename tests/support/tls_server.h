#pragma once
// A minimal HTTPS server for tests of how loadgen ends TLS responses: each connection gets one
// close-delimited response ("HTTP/1.1 200 OK", no length), then the server either sends
// close_notify before closing or just closes the socket (a cut stream). The certificate is a
// throwaway one (scripts/lib/test-cert.sh); loadgen talks to it with --insecure.
#include <openssl/ssl.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

namespace labtest {

/// The tests' TLS server context: a throwaway certificate for localhost, 127.0.0.1 and ::1,
/// made once per test process (removed at its exit); nullptr when openssl could not make it.
SSL_CTX* test_server_tls_context();

class TlsServer {
 public:
  explicit TlsServer(bool close_notify);
  ~TlsServer();
  std::uint16_t port() const { return port_; }
  bool ok() const { return ok_; }

 private:
  void serve();
  bool close_notify_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  SSL_CTX* ctx_ = nullptr;  // test_server_tls_context()
  bool ok_ = false;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace labtest
