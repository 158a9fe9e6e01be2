#pragma once
// What each request sends: method, headers and body (-X, --header, --body), and the bytes on the
// wire built from them once per run.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "loadgen/workload/url.h"

namespace lab {

struct RequestSpec {
  std::string method = "GET";
  std::vector<std::pair<std::string, std::string>> headers;  // as given, in order
  std::string body;
};

/// "Name: value" -> (Name, value); nullopt with `error` set when the name is not an HTTP token,
/// the value holds CR/LF, or the header is one loadgen owns (Content-Length, Transfer-Encoding).
std::optional<std::pair<std::string, std::string>> parse_header(const std::string& text, std::string& error);
/// --body's value: the text itself, or with a leading @ the contents of that file.
std::optional<std::string> read_body(const std::string& arg, std::string& error);
/// Whether `m` is an HTTP method token (GET, POST, PURGE, ...).
bool valid_method(const std::string& m);

/// The request's bytes: request line, Host (the URL's authority unless given), User-Agent,
/// Accept and Authorization (from the URL's user info) unless given, the user's headers,
/// Content-Length when there is a body (or the method expects one), Connection: close unless
/// kept alive (or the user set Connection), then the body.
std::string build_request(const Url& url, const RequestSpec& spec, bool keepalive);

}  // namespace lab
