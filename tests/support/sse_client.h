#pragma once
// A Server-Sent Events client for the live view's tests: connects to 127.0.0.1:PORT, asks for
// /events (optionally resuming after an id), and hands out the events as they arrive.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "tests/support/process.h"

namespace labtest {

/// The live view's port that `p` printed first (`what` then the port, e.g. "live view at
/// http://127.0.0.1:" for loadgen --live 0); 0 (and a test failure) when it printed none in 10 s.
std::uint16_t live_port(Process& p, const char* what = "live view at http://127.0.0.1:");

struct SseEvent {
  std::uint64_t id = 0;  // N of the wire's id RUN.N
  std::string run;       // RUN
  std::string wire_id() const { return run + "." + std::to_string(id); }
  std::string type;  // "message" when the event names none
  std::string data;
};

class SseClient {
 public:
  /// Connects and sends the request; a `last_event_id` (RUN.N) resumes after it (Last-Event-ID).
  SseClient(std::uint16_t port, const std::string& last_event_id = "");
  ~SseClient();
  SseClient(const SseClient&) = delete;
  SseClient& operator=(const SseClient&) = delete;
  bool connected() const { return fd_ >= 0; }
  /// The response's status line and headers once they arrived ("" before).
  const std::string& head() const { return head_; }
  /// The next event, or nullopt at `timeout` or when the stream closed (then closed() is true).
  std::optional<SseEvent> next(std::chrono::milliseconds timeout);
  bool closed() const { return closed_; }

 private:
  int fd_ = -1;
  std::string buf_, head_;
  bool closed_ = false;
};

/// One HTTP/1.1 exchange with 127.0.0.1:PORT (Connection: close): the status code, and the
/// headers and body of the reply. `headers` are extra request lines ("Name: value\r\n" each).
struct HttpReply {
  int status = 0;
  std::string headers, body;
};
HttpReply http_request(std::uint16_t port, const std::string& method, const std::string& target,
                       const std::string& headers = "", const std::string& body = "",
                       const std::string& host = "127.0.0.1");

}  // namespace labtest
