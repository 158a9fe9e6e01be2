#include "loadgen/client/h2/request.h"

#include <algorithm>
#include <cctype>

#include "common/text.h"

namespace lab {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The fields HTTP/2 forbids (RFC 9113 8.2.2): they describe the HTTP/1.1 connection.
bool connection_specific(const std::string& name) {
  for (const char* f : {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "host"})
    if (name == f) return true;
  return false;
}

}  // namespace

std::optional<H2Request> h2_request(const std::string& wire, const std::string& scheme, std::string& error) {
  const std::size_t head_end = wire.find("\r\n\r\n");
  const std::size_t line_end = wire.find("\r\n");
  if (head_end == std::string::npos || line_end == std::string::npos) {
    error = "no end of the request's head";
    return std::nullopt;
  }
  const std::string line = wire.substr(0, line_end);
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = line.rfind(' ');
  if (sp1 == std::string::npos || sp2 == sp1) {
    error = "no request line";
    return std::nullopt;
  }
  H2Request r;
  std::string authority;
  std::vector<std::pair<std::string, std::string>> fields;
  for (std::size_t at = line_end + 2; at < head_end;) {
    std::size_t end = wire.find("\r\n", at);
    if (end == std::string::npos || end > head_end) end = head_end;
    const std::string field = wire.substr(at, end - at);
    at = end + 2;
    const std::size_t colon = field.find(':');
    if (colon == std::string::npos || colon == 0) {
      error = "a header line without a name: '" + field + "'";
      return std::nullopt;
    }
    std::string name = lower(field.substr(0, colon));
    std::string value(trim_ows(std::string_view(field).substr(colon + 1)));
    if (name == "host") authority = value;
    if (connection_specific(name)) continue;
    // TE is allowed with one value only (8.2.2); content-length is nghttp2's to check against the body
    if (name == "te" && value != "trailers") continue;
    fields.emplace_back(std::move(name), std::move(value));
  }
  r.fields.emplace_back(":method", line.substr(0, sp1));
  r.fields.emplace_back(":scheme", scheme);
  r.fields.emplace_back(":authority", authority);
  r.fields.emplace_back(":path", line.substr(sp1 + 1, sp2 - sp1 - 1));
  r.fields.insert(r.fields.end(), fields.begin(), fields.end());
  r.body = wire.substr(head_end + 4);
  return r;
}

}  // namespace lab
