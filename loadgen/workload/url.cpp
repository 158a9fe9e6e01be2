#include "loadgen/workload/url.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace lab {

namespace {

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// "%XX" at i
bool is_escape(const std::string& s, std::size_t i) {
  return s[i] == '%' && i + 2 < s.size() && is_hex(s[i + 1]) && is_hex(s[i + 2]);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  return std::tolower(static_cast<unsigned char>(c)) - 'a' + 10;
}

std::string percent_decode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (is_escape(s, i)) {
      out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

bool needs_encoding(unsigned char c) {
  if (c <= 0x20 || c >= 0x7f) return true;
  switch (c) {
    case '"':
    case '<':
    case '>':
    case '\\':
    case '^':
    case '`':
    case '{':
    case '|':
    case '}': return true;
    default: return false;
  }
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

std::string encode_target(const std::string& raw) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const auto c = static_cast<unsigned char>(raw[i]);
    if (c == '%' && !is_escape(raw, i)) {
      out += "%25";  // a lone % is a literal percent sign
    } else if (needs_encoding(c)) {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

std::optional<Url> parse_url(const std::string& text, std::string& error) {
  auto bad = [&](const std::string& why) -> std::optional<Url> {
    error = "'" + text + "' " + why;
    return std::nullopt;
  };
  Url u;
  const std::size_t colon_slashes = text.find("://");
  if (colon_slashes == std::string::npos) return bad("has no scheme: write http://" + text);
  u.scheme = lower(text.substr(0, colon_slashes));
  if (u.scheme != "http" && u.scheme != "https") return bad("has scheme '" + u.scheme + "' (use http:// or https://)");
  std::string rest = text.substr(colon_slashes + 3);
  if (const auto hash = rest.find('#'); hash != std::string::npos) rest.erase(hash);  // never sent
  const std::size_t end_of_authority = rest.find_first_of("/?");
  std::string authority = rest.substr(0, end_of_authority);
  std::string target = end_of_authority == std::string::npos ? "/" : rest.substr(end_of_authority);
  if (target[0] == '?') target = "/" + target;  // (not insert: GCC 12 -Wrestrict misfires)
  if (const auto at = authority.rfind('@'); at != std::string::npos) {
    u.userinfo = percent_decode(authority.substr(0, at));
    authority.erase(0, at + 1);
  }
  std::string port_text;
  if (!authority.empty() && authority[0] == '[') {  // IPv6 literal
    const auto close = authority.find(']');
    if (close == std::string::npos) return bad("has an IPv6 address without its closing ']'");
    u.host = authority.substr(1, close - 1);
    const std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return bad("has '" + after + "' after the IPv6 address (expected :port)");
      port_text = after.substr(1);
    }
  } else {
    const auto colon = authority.rfind(':');
    u.host = authority.substr(0, colon);
    if (colon != std::string::npos) port_text = authority.substr(colon + 1);
    if (u.host.find(':') != std::string::npos)
      return bad("has an IPv6 address without brackets: write [" + u.host + "]");
  }
  if (u.host.empty()) return bad("has no host");
  for (unsigned char c : u.host)
    if (c <= 0x20 || c >= 0x7f || c == '/' || c == '%')
      return bad("has a character that cannot be in a host name in '" + u.host + "'");
  u.host = lower(u.host);
  u.port = u.scheme == "https" ? 443 : 80;
  if (!port_text.empty()) {  // "host:" (an empty port) means the scheme's default (RFC 3986 3.2.3)
    unsigned v = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), v);
    if (port_text.empty() || ec != std::errc{} || ptr != port_text.data() + port_text.size() || v == 0 || v > 65535)
      return bad("has an invalid port '" + port_text + "' (1..65535)");
    u.port = static_cast<std::uint16_t>(v);
  }
  if (authority.back() == ':') authority.pop_back();  // "host:" means the default port
  u.authority = authority;
  u.target = encode_target(target);
  return u;
}

}  // namespace lab
