#pragma once
// One HTTP/1.1 client connection that POSTs, kept alive between exchanges: what every output that
// pushes (the live hub's forwarder, Prometheus remote write, InfluxDB) sends with. Each exchange is
// whole within its deadline: the I/O is asynchronous on the poster's own io_context, run for that
// long at most and then cancelled (Beast's stream deadlines bind asynchronous operations only), so
// a receiver that accepts and never answers costs at most the deadline. Not thread-safe: one
// thread posts.
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace lab {

struct HttpReply {
  int status = 0;     // 0: no response (error says why)
  std::string error;  // "connection refused", "timed out after 2.0 s", ...
  std::string body;   // the response's body (the first 4 KiB)
  bool ok() const { return status >= 200 && status < 300; }
  /// What happened, for a report: "HTTP 500: <body>" or the error.
  std::string what() const;
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

class HttpPoster {
 public:
  HttpPoster(std::string host, std::string port);
  ~HttpPoster();
  HttpPoster(const HttpPoster&) = delete;
  HttpPoster& operator=(const HttpPoster&) = delete;
  /// POSTs `body` to `target` ("/api/v1/write"); a kept-alive connection the receiver closed is
  /// tried once more on a new one.
  HttpReply post(const std::string& target, const HttpHeaders& headers, const std::string& body,
                 std::chrono::milliseconds deadline = std::chrono::seconds(2));
  const std::string& host() const { return host_; }
  const std::string& port() const { return port_; }

 private:
  struct Conn;
  std::string host_, port_;
  std::unique_ptr<Conn> conn_;
};

/// "ADDR:PORT", "[::1]:PORT" or "PORT" (127.0.0.1) -> host and port.
std::pair<std::string, std::string> split_host_port(const std::string& address);

}  // namespace lab
