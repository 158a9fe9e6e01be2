#pragma once
// A user's cookies, as a browser keeps them (RFC 6265, section 5): Set-Cookie parsed and stored
// by domain and path, Max-Age and Expires (Max-Age first), a cookie set already expired deletes
// its namesake, host-only cookies (no Domain) go back to their host alone, Secure ones only over
// https; the Cookie header built with the longest paths first, then the oldest. Each user has its
// own jar (Locust's HttpUser and k6's VU both keep one), emptied when it starts again.
//
// Left out, as a load test's single target makes them moot: the public suffix list (a Domain of
// one label other than the host itself is refused instead), SameSite and HttpOnly (a client that
// runs no script and follows no links).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lab {

struct Cookie {
  std::string name, value, domain, path;
  double expires_s = 0;  // seconds since the epoch; 0 with persistent false: a session cookie
  bool persistent = false, host_only = true, secure = false, http_only = false;
  std::uint64_t created = 0;  // the jar's counter: the order of creation
};

/// RFC 6265 5.1.1: a cookie-date ("Wed, 09 Jun 2021 10:18:14 GMT" and its variants) as seconds
/// since the epoch; nullopt when it is not one.
std::optional<double> parse_cookie_date(std::string_view text);
/// 5.1.3: whether `host` domain-matches `domain` (both lower case).
bool domain_match(std::string_view host, std::string_view domain);
/// 5.1.4: whether `request_path` path-matches `cookie_path`.
bool path_match(std::string_view request_path, std::string_view cookie_path);
/// 5.1.4: the default path of a request's path ("/a/b/c" -> "/a/b", "/a" -> "/").
std::string default_path(std::string_view request_path);

class CookieJar {
 public:
  /// Bounds: a jar holds at most this many cookies (the oldest go first, as 6.1 allows), and a
  /// cookie's name and value together at most kMaxCookieBytes (longer ones are ignored).
  static constexpr std::size_t kMaxCookies = 100, kMaxCookieBytes = 4096;

  /// Receives a Set-Cookie header's value from `host` (lower case, no port) for a request to
  /// `request_path` (without its query), over https or not, at `now_s`. True when it was stored
  /// (or deleted a stored one: an expired cookie); false when ignored (malformed, a Domain the
  /// host does not match, too large).
  bool receive(std::string_view set_cookie, std::string_view host, std::string_view request_path, bool https,
               double now_s);
  /// The Cookie header's value for a request to `host` and `request_path` ("" when none match);
  /// `sent` is how many cookies it holds. Expired cookies are dropped on the way.
  std::string header_for(std::string_view host, std::string_view request_path, bool https, double now_s,
                         std::size_t* sent = nullptr);
  std::size_t size() const { return cookies_.size(); }
  bool empty() const { return cookies_.empty(); }
  void clear() { cookies_.clear(); }
  /// The value of the cookie `name` the host would be sent (the longest path's), or nullopt: what an
  /// extraction by cookie reads.
  std::optional<std::string> value_of(std::string_view name, std::string_view host, bool https, double now_s);

 private:
  std::vector<Cookie> cookies_;
  std::uint64_t counter_ = 0;
  void drop_expired(double now_s);
};

}  // namespace lab
