#include "tests/support/sse_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <regex>
#include <thread>

#include "tests/support/client.h"

namespace labtest {

std::uint16_t live_port(Process& p, const char* what) {
  const std::regex line(std::string(what) + "([0-9]+)/");
  for (int i = 0; i < 400; ++i) {
    std::smatch m;
    const std::string text = p.err() + p.out();
    if (std::regex_search(text, m, line)) return static_cast<std::uint16_t>(std::stoi(m[1]));
    if (!p.running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ADD_FAILURE() << "no live URL printed; stderr: " << p.err();
  return 0;
}

SseClient::SseClient(std::uint16_t port, const std::string& last_event_id) {
  fd_ = connect_to(port);
  if (fd_ < 0) return;
  std::string req = "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
  if (!last_event_id.empty()) req += "Last-Event-ID: " + last_event_id + "\r\n";
  if (!send_all(fd_, req + "\r\n")) {
    close(fd_);
    fd_ = -1;
  }
}

SseClient::~SseClient() {
  if (fd_ >= 0) close(fd_);
}

std::optional<SseEvent> SseClient::next(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (head_.empty()) {
      if (const auto end = buf_.find("\r\n\r\n"); end != std::string::npos) {
        head_ = buf_.substr(0, end + 4);
        buf_.erase(0, end + 4);
      }
    }
    // An event is the lines up to a blank line; comments (":") and retry: lines are skipped.
    while (!head_.empty()) {
      const auto end = buf_.find("\n\n");
      if (end == std::string::npos) break;
      const std::string block = buf_.substr(0, end + 1);
      buf_.erase(0, end + 2);
      SseEvent e;
      e.type = "message";
      bool any = false;
      for (std::size_t at = 0; at < block.size();) {
        const std::size_t nl = block.find('\n', at);
        const std::string line = block.substr(at, nl - at);
        at = nl + 1;
        const auto colon = line.find(':');
        if (colon == 0 || colon == std::string::npos) continue;
        const std::string field = line.substr(0, colon);
        std::string value = line.substr(colon + 1);
        if (!value.empty() && value[0] == ' ') value.erase(0, 1);
        if (field == "id") {  // RUN.N
          const auto dot = value.rfind('.');
          e.run = dot == std::string::npos ? "" : value.substr(0, dot);
          e.id = std::stoull(value.substr(dot == std::string::npos ? 0 : dot + 1));
          any = true;
        }
        if (field == "event") e.type = value;
        if (field == "data") e.data += value, any = true;
      }
      if (any) return e;
    }
    if (fd_ < 0 || closed_) return std::nullopt;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{fd_, POLLIN, 0};
    const int r = poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return std::nullopt;
    char chunk[16384];
    const ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      closed_ = true;
      continue;  // hand out what is buffered
    }
    buf_.append(chunk, static_cast<std::size_t>(n));
  }
}

HttpReply http_request(std::uint16_t port, const std::string& method, const std::string& target,
                       const std::string& headers, const std::string& body, const std::string& host) {
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n" + headers;
  if (!body.empty() || method == "POST") req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  const std::string raw = fetch(port, req + "\r\n" + body);
  HttpReply r;
  if (raw.rfind("HTTP/1.1 ", 0) != 0) return r;
  r.status = std::stoi(raw.substr(9, 3));
  const auto end = raw.find("\r\n\r\n");
  r.headers = raw.substr(0, end);
  if (end != std::string::npos) r.body = raw.substr(end + 4);
  return r;
}

}  // namespace labtest
