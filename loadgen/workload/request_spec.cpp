#include "loadgen/workload/request_spec.h"

#include "common/output_file.h"
#include "common/text.h"

namespace lab {

namespace {

bool has(const RequestSpec& spec, const char* name) {
  for (const auto& [k, v] : spec.headers)
    if (iequals(k, name)) return true;
  return false;
}

}  // namespace

bool valid_method(const std::string& m) { return is_token(m); }

std::optional<std::pair<std::string, std::string>> parse_header(const std::string& text, std::string& error) {
  const auto colon = text.find(':');
  if (colon == std::string::npos) {
    error = "'" + text + "' is not 'Name: value' (e.g. --header \"Accept: application/json\")";
    return std::nullopt;
  }
  std::string name = text.substr(0, colon), value(trim_ows(std::string_view(text).substr(colon + 1)));
  if (!is_token(name)) {
    error = "'" + name + "' is not a valid header name (letters, digits and !#$%&'*+-.^_`|~)";
    return std::nullopt;
  }
  if (value.find_first_of("\r\n") != std::string::npos || value.find('\0') != std::string::npos) {
    error = "the value of '" + name + "' holds a line break or NUL";
    return std::nullopt;
  }
  if (iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding")) {
    error = "'" + name + "' is set by loadgen from --body; leave it out";
    return std::nullopt;
  }
  return std::make_pair(std::move(name), std::move(value));
}

std::optional<std::string> read_body(const std::string& arg, std::string& error) {
  if (arg.empty() || arg[0] != '@') return arg;
  const std::string path = arg.substr(1);
  std::string body, why;
  if (!read_file(path, body, why)) {
    error = "cannot read '" + path + "': " + why + " (write --body @FILE for a file's contents, --body TEXT for text)";
    return std::nullopt;
  }
  return body;
}

std::string build_request(const Url& url, const RequestSpec& spec, bool keepalive) {
  std::string r = spec.method + " " + url.target + " HTTP/1.1\r\n";
  if (!has(spec, "Host")) r += "Host: " + url.authority + "\r\n";
  if (!has(spec, "User-Agent")) r += "User-Agent: loadlab-loadgen/" LAB_VERSION "\r\n";
  if (!has(spec, "Accept")) r += "Accept: */*\r\n";
  if (!url.userinfo.empty() && !has(spec, "Authorization"))
    r += "Authorization: Basic " + base64(url.userinfo) + "\r\n";
  for (const auto& [k, v] : spec.headers) r += k + ": " + v + "\r\n";
  const bool expects_body = spec.method == "POST" || spec.method == "PUT" || spec.method == "PATCH";
  if (!spec.body.empty() || expects_body) r += "Content-Length: " + std::to_string(spec.body.size()) + "\r\n";
  if (!keepalive && !has(spec, "Connection")) r += "Connection: close\r\n";
  r += "\r\n";
  r += spec.body;
  return r;
}

}  // namespace lab
