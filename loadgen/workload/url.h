#pragma once
// Target URLs as users type them: http://host[:port][/path][?query][#fragment], with DNS names,
// IPv6 literals ([::1]) and user:password@. The Host header is the authority exactly as typed
// (without the user info); the request target is the path and query, percent-encoded where the
// URL holds characters HTTP forbids on the wire; the fragment is never sent.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/base64.h"

namespace lab {

struct Url {
  std::string scheme;      // "http" or "https"
  std::string host;        // as typed, lower-cased, without IPv6 brackets: "example.com", "::1"
  std::uint16_t port = 0;  // explicit, else the scheme's default
  std::string authority;   // for the Host header: "example.com:8080", "[::1]:8080", "example.com"
  std::string target;      // path and query, encoded: "/a%20b?x=1"
  std::string userinfo;    // "user:pass" (decoded), sent as Basic authorization; empty if none
};

/// Parses a URL; nullopt with `error` set (naming the part that is wrong) otherwise.
std::optional<Url> parse_url(const std::string& text, std::string& error);

/// Percent-encodes the bytes of a path or query that may not appear raw in a request line
/// (controls, space, non-ASCII, and "<>\^`{|}); existing %XX escapes are kept.
std::string encode_target(const std::string& raw);

}  // namespace lab
