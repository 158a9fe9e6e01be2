#pragma once
// A small blocking test client on 127.0.0.1.
#include <chrono>
#include <cstdint>
#include <string>

namespace labtest {

/// Connected socket fd (blocking), or -1.
int connect_to(std::uint16_t port);
bool send_all(int fd, const std::string& data);
/// Reads until EOF or `timeout`; `*eof` says which.
std::string read_until_eof(int fd, std::chrono::milliseconds timeout, bool* eof = nullptr);
/// Reads until `n` bytes arrived or `timeout`.
std::string read_n(int fd, std::size_t n, std::chrono::milliseconds timeout);
/// Reads one HTTP/1.1 response with Content-Length (keep-alive) or `timeout`.
std::string read_http11_response(int fd, std::chrono::milliseconds timeout);
/// Connect, send, read to EOF, close: the whole exchange. Empty string on failure.
std::string fetch(std::uint16_t port, const std::string& request,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10));
/// Sets SO_LINGER 0 so close() sends RST.
void set_abortive_close(int fd);

inline const std::string kSimpleGet = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: test\r\n\r\n";
inline std::string seed_reply_for(const std::string& req) {
  return "HTTP/1.1 200 OK\nContent-Type: text/html\n\n" + req;
}

}  // namespace labtest
