#pragma once
// A server that misbehaves on purpose, for the load generator's tests: one listener on
// 127.0.0.1, a thread per connection, each reading the request and then doing one bad thing,
// in plain HTTP or (`tls`) inside TLS, with the test certificate (test_server_tls_context):
// the same bytes, and its closes cut the TLS stream (no close_notify), as a failing server's.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <openssl/ssl.h>

namespace labtest {

class BadServer {
 public:
  enum Mode {
    kReset,            // RST after the request
    kGarbage,          // "HELLO THERE", then close
    kStall,            // never answers, never closes
    kError500,         // 500, then close
    kNotFound,         // 404 with a body, keep-alive
    kRedirect,         // 302 with a Location, keep-alive
    kEndlessBody,      // Content-Length of a terabyte, streamed as fast as the client reads
    kEndlessHeaders,   // a status line, then header lines forever
    kEndlessTrailers,  // a chunked body whose trailers never end
    kEndlessInterims,  // "100 Continue" forever
    kSlowDrip,         // a valid response, one byte every 100 ms
    kNeverClose,       // a close-delimited body, and the connection is never closed
    kInterimThenOk,    // "100 Continue", 50 ms later the real 200 (keep-alive)
    kTruncated,        // Content-Length 100, 50 bytes, close
    kChunkOverflow,    // a chunk size with 21 hex digits
    kTlsAlert,         // a TLS alert record, as a TLS server answers plain HTTP
  };
  explicit BadServer(Mode m, bool tls = false);
  ~BadServer();
  BadServer(const BadServer&) = delete;
  BadServer& operator=(const BadServer&) = delete;
  std::uint16_t port() const { return port_; }
  /// Connections accepted so far.
  int connections() const { return accepted_.load(); }

 private:
  /// One connection: its socket, and its TLS session when the server speaks TLS.
  struct Link {
    int fd;
    SSL* ssl;
  };
  void accept_loop();
  void serve(int fd);
  bool send_paced(const Link& l, const std::string& data);
  void close_now(int fd);
  void send_forever(const Link& l, const std::string& unit);

  Mode mode_;
  SSL_CTX* tls_ = nullptr;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::thread> conns_;
  std::vector<int> fds_;
};

}  // namespace labtest
