#include "common/http/reply.h"

#include <charconv>

namespace lab {

const char* to_string(Protocol p) { return p == Protocol::kSeed ? "seed" : "http11"; }

bool parse_protocol(std::string_view s, Protocol& out) {
  if (s == "seed")
    out = Protocol::kSeed;
  else if (s == "http11")
    out = Protocol::kHttp11;
  else
    return false;
  return true;
}

void append_seed_reply(std::string& out, std::string_view request_bytes) {
  out.append(kSeedPrefix);
  out.append(request_bytes);
}

namespace {
void append_number(std::string& out, std::size_t n) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  (void)ec;  // 24 chars always hold a size_t
  out.append(buf, end);
}
}  // namespace

void append_http11_reply(std::string& out, std::string_view body, bool keep_alive, int request_minor, bool head) {
  out.append("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: ");
  append_number(out, body.size());
  if (!keep_alive)
    out.append("\r\nConnection: close\r\n\r\n");
  else if (request_minor == 0)
    out.append("\r\nConnection: keep-alive\r\n\r\n");
  else
    out.append("\r\n\r\n");
  if (!head) out.append(body);
}

const char* reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

void append_error_reply(std::string& out, int status) {
  std::string_view reason = reason_phrase(status);
  out.append("HTTP/1.1 ");
  append_number(out, static_cast<std::size_t>(status));
  out.push_back(' ');
  out.append(reason);
  out.append("\r\nContent-Type: text/plain\r\nContent-Length: ");
  append_number(out, reason.size() + 1);
  out.append("\r\nConnection: close\r\n\r\n");
  out.append(reason);
  out.push_back('\n');
}

}  // namespace lab
