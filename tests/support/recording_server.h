#pragma once
// A well-behaved HTTP/1.1 server for the load generator's request tests: it records the bytes of
// every request it receives (head and body, as framed by Content-Length) and answers
// "200 ok", keeping the connection alive unless the request said close. Listens on 127.0.0.1 or ::1.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace labtest {

class RecordingServer {
 public:
  explicit RecordingServer(bool ipv6 = false);
  ~RecordingServer();
  RecordingServer(const RecordingServer&) = delete;
  RecordingServer& operator=(const RecordingServer&) = delete;
  std::uint16_t port() const { return port_; }
  /// The requests received so far (the first 1,000), each exactly as it arrived.
  std::vector<std::string> requests() const;
  int connections() const { return accepted_.load(); }

 private:
  void accept_loop();
  void serve(int fd);

  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::thread acceptor_;
  mutable std::mutex mu_;
  std::vector<std::thread> conns_;
  std::vector<int> fds_;
  std::vector<std::string> requests_;
};

}  // namespace labtest
