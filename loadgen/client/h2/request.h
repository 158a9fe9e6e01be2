#pragma once
// A scenario's request in HTTP/2's form: the pseudo-headers and lower-case fields nghttp2 sends,
// derived from the request's HTTP/1.1 bytes (the RequestBook's), so that both protocols send the
// same request: the same method, target, headers and body (RFC 9113 8.3: :authority from Host;
// the connection-specific fields Connection, Keep-Alive, Proxy-Connection, Transfer-Encoding and
// Upgrade dropped, as 8.2.2 requires).
#include <optional>
#include <string>
#include <vector>

namespace lab {

struct H2Request {
  // name, value pairs in order: :method, :scheme, :authority, :path, then the fields
  std::vector<std::pair<std::string, std::string>> fields;
  std::string body;
};

/// The HTTP/2 form of an HTTP/1.1 request's bytes (as build_request writes them); nullopt with
/// `error` set when they are not a request loadgen built (no request line, no end of the head).
std::optional<H2Request> h2_request(const std::string& wire, const std::string& scheme, std::string& error);

}  // namespace lab
