#pragma once
// A minimal HTTPS server for tests of how loadgen ends TLS responses: each connection gets one
// close-delimited response ("HTTP/1.1 200 OK", no length), then the server either sends
// close_notify before closing or just closes the socket (a cut stream). The certificate is a
// throwaway one (scripts/lib/test-cert.sh); loadgen talks to it with --insecure.
#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

namespace labtest {

class TlsServer {
 public:
  explicit TlsServer(bool close_notify);
  ~TlsServer();
  std::uint16_t port() const { return port_; }
  bool ok() const { return ok_; }

 private:
  void serve();
  bool close_notify_;
  std::string dir_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  void* ctx_ = nullptr;  // SSL_CTX
  bool ok_ = false;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace labtest
