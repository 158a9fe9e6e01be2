#pragma once
// A hostile HTTP/2 server for loadgen's tests (h2c, by prior knowledge): raw frames written by
// hand, a thread per connection, each connection misbehaving one way. Responses are HEADERS
// with ":status 200" (HPACK's static entry 8) and END_STREAM: no body. It serves nothing else.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace labtest {

class H2Peer {
 public:
  enum Mode {
    kOk,            // answers every request
    kOneStream,     // SETTINGS_MAX_CONCURRENT_STREAMS 1, then answers every request
    kGoAway,        // answers 5 requests per connection, then GOAWAY (last id: the 5th) and
                    // nothing more; the connection closes 200 ms later
    kResetSome,     // every third request: RST_STREAM INTERNAL_ERROR
    kRefuseSome,    // every third request: RST_STREAM REFUSED_STREAM
    kGarbage,       // after its SETTINGS: a DATA frame on stream 0 (a connection error)
    kWindowClosed,  // SETTINGS_INITIAL_WINDOW_SIZE 0: a request's body can never be sent
    kStopsReading,  // windows of 1 GiB, then never reads or answers again
    kNoSettings,    // never sends its SETTINGS (nor anything else)
  };
  explicit H2Peer(Mode m);
  ~H2Peer();
  H2Peer(const H2Peer&) = delete;
  H2Peer& operator=(const H2Peer&) = delete;
  std::uint16_t port() const { return port_; }
  int connections() const { return accepted_.load(); }
  /// Requests answered with a 200 so far.
  int answered() const { return answered_.load(); }
  std::string url(const std::string& path = "/") const;

 private:
  void accept_loop();
  void serve(int fd);

  Mode mode_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0}, answered_{0};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::thread> conns_;
  std::vector<int> fds_;
};

}  // namespace labtest
