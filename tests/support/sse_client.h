#pragma once
// A Server-Sent Events client for the live view's tests: connects to 127.0.0.1:PORT, asks for
// /events (optionally resuming after an id), and hands out the events as they arrive.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace labtest {

struct SseEvent {
  std::uint64_t id = 0;
  std::string type;  // "message" when the event names none
  std::string data;
};

class SseClient {
 public:
  /// Connects and sends the request; `last_event_id` > 0 resumes after it (Last-Event-ID).
  SseClient(std::uint16_t port, std::uint64_t last_event_id = 0);
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
