#include "loadgen/flow/cookie_jar.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>

namespace lab {

namespace {

bool is_delimiter(unsigned char c) {  // 5.1.1
  return c == 0x09 || (c >= 0x20 && c <= 0x2F) || (c >= 0x3B && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
         (c >= 0x7B && c <= 0x7E);
}

std::string_view trim_ws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool digit(char c) { return c >= '0' && c <= '9'; }

// 1*max DIGIT at the start of `t`, then nothing or a non-digit: the number, and where it ended.
std::optional<int> leading_number(std::string_view t, std::size_t min, std::size_t max, std::size_t& end) {
  std::size_t n = 0;
  while (n < t.size() && digit(t[n])) ++n;
  if (n < min || n > max) return std::nullopt;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) v = v * 10 + (t[i] - '0');
  end = n;
  return v;
}

bool is_ip_address(std::string_view host) {
  if (host.find(':') != std::string_view::npos) return true;  // IPv6
  return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) { return digit(c) || c == '.'; });
}

}  // namespace

std::optional<double> parse_cookie_date(std::string_view text) {
  std::optional<int> hour, minute, second, day, month, year;
  static constexpr std::array<const char*, 12> kMonths = {"jan", "feb", "mar", "apr", "may", "jun",
                                                          "jul", "aug", "sep", "oct", "nov", "dec"};
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_delimiter(static_cast<unsigned char>(text[i]))) ++i;
    std::size_t j = i;
    while (j < text.size() && !is_delimiter(static_cast<unsigned char>(text[j]))) ++j;
    const std::string_view tok = text.substr(i, j - i);
    i = j;
    if (tok.empty()) continue;
    std::size_t end = 0;
    if (!hour) {  // hms-time: 1*2DIGIT ":" 1*2DIGIT ":" 1*2DIGIT, then a non-digit or nothing
      std::size_t e1 = 0, e2 = 0, e3 = 0;
      auto h = leading_number(tok, 1, 2, e1);
      if (h && e1 < tok.size() && tok[e1] == ':') {
        auto m = leading_number(tok.substr(e1 + 1), 1, 2, e2);
        if (m && e1 + 1 + e2 < tok.size() && tok[e1 + 1 + e2] == ':') {
          auto s = leading_number(tok.substr(e1 + 2 + e2), 1, 2, e3);
          if (s) {
            hour = h, minute = m, second = s;
            continue;
          }
        }
      }
    }
    if (!day) {
      if (auto d = leading_number(tok, 1, 2, end)) {
        day = d;
        continue;
      }
    }
    if (!month && tok.size() >= 3) {
      const std::string m = lower(tok.substr(0, 3));
      const auto it = std::find_if(kMonths.begin(), kMonths.end(), [&](const char* x) { return m == x; });
      if (it != kMonths.end()) {
        month = static_cast<int>(it - kMonths.begin()) + 1;
        continue;
      }
    }
    if (!year) {
      if (auto y = leading_number(tok, 2, 4, end)) {
        year = y;
        continue;
      }
    }
  }
  if (!hour || !day || !month || !year) return std::nullopt;
  int y = *year;
  if (y >= 70 && y <= 99) y += 1900;
  if (y >= 0 && y <= 69) y += 2000;
  if (*day < 1 || *day > 31 || y < 1601 || *hour > 23 || *minute > 59 || *second > 59) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = *month - 1;
  tm.tm_mday = *day;
  tm.tm_hour = *hour;
  tm.tm_min = *minute;
  tm.tm_sec = *second;
  const std::time_t t = ::timegm(&tm);
  // timegm normalises a day past the month's end (Feb 30 -> Mar 2): that is not a date
  std::tm back{};
  if (!::gmtime_r(&t, &back) || back.tm_mday != *day || back.tm_mon != *month - 1) return std::nullopt;
  return static_cast<double>(t);
}

bool domain_match(std::string_view host, std::string_view domain) {
  if (host == domain) return true;
  return !is_ip_address(host) && host.size() > domain.size() && host.substr(host.size() - domain.size()) == domain &&
         host[host.size() - domain.size() - 1] == '.';
}

bool path_match(std::string_view request_path, std::string_view cookie_path) {
  if (request_path == cookie_path) return true;
  if (request_path.substr(0, cookie_path.size()) != cookie_path) return false;
  return (!cookie_path.empty() && cookie_path.back() == '/') ||
         (request_path.size() > cookie_path.size() && request_path[cookie_path.size()] == '/');
}

std::string default_path(std::string_view request_path) {
  if (request_path.empty() || request_path[0] != '/') return "/";
  const std::size_t last = request_path.rfind('/');
  if (last == 0) return "/";
  return std::string(request_path.substr(0, last));
}

bool CookieJar::receive(std::string_view set_cookie, std::string_view host, std::string_view request_path, bool https,
                        double now_s) {
  // 5.2: the name-value pair, then the attributes, each ;-separated
  const std::size_t semi = set_cookie.find(';');
  const std::string_view pair = set_cookie.substr(0, semi);
  const std::size_t eq = pair.find('=');
  if (eq == std::string_view::npos) return false;
  Cookie c;
  c.name = std::string(trim_ws(pair.substr(0, eq)));
  c.value = std::string(trim_ws(pair.substr(eq + 1)));
  if (c.name.empty() || c.name.size() + c.value.size() > kMaxCookieBytes) return false;
  std::optional<double> max_age_expiry, expires;
  std::optional<std::string> domain, path;
  std::string_view rest = semi == std::string_view::npos ? std::string_view{} : set_cookie.substr(semi + 1);
  while (!rest.empty()) {
    const std::size_t next = rest.find(';');
    const std::string_view av = rest.substr(0, next);
    rest = next == std::string_view::npos ? std::string_view{} : rest.substr(next + 1);
    const std::size_t aeq = av.find('=');
    const std::string key = lower(trim_ws(av.substr(0, aeq)));
    const std::string_view val = aeq == std::string_view::npos ? std::string_view{} : trim_ws(av.substr(aeq + 1));
    if (key == "expires") {
      if (auto t = parse_cookie_date(val)) expires = t;
    } else if (key == "max-age") {
      if (val.empty() || !(digit(val[0]) || val[0] == '-')) continue;
      if (!std::all_of(val.begin() + 1, val.end(), digit)) continue;
      const bool negative = val[0] == '-';
      std::size_t end = 0;
      // a delta past ten digits is centuries: cap it there
      const std::string_view digits = val.substr(negative ? 1 : 0);
      const std::optional<int> small = digits.size() <= 9 ? leading_number(digits, 1, 9, end) : std::nullopt;
      const double delta = digits.empty() ? 0 : small ? *small : 1e10;
      max_age_expiry = negative || delta <= 0 ? 0.0 : now_s + delta;  // 0: the earliest time there is
    } else if (key == "domain") {
      if (val.empty()) continue;
      std::string_view d = val;
      if (d.front() == '.') d.remove_prefix(1);
      domain = lower(d);
    } else if (key == "path") {
      path = val.empty() || val[0] != '/' ? default_path(request_path) : std::string(val);
    } else if (key == "secure") {
      c.secure = true;
    } else if (key == "httponly") {
      c.http_only = true;
    }
  }
  // 5.3
  if (max_age_expiry) {
    c.persistent = true;
    c.expires_s = *max_age_expiry;
  } else if (expires) {
    c.persistent = true;
    c.expires_s = *expires;
  }
  if (domain && !domain->empty()) {
    // no public suffix list: a Domain of one label is only the host itself
    if (domain->find('.') == std::string::npos && *domain != host) return false;
    if (!domain_match(host, *domain)) return false;
    c.domain = *domain;
    c.host_only = false;
  } else {
    c.domain = std::string(host);
    c.host_only = true;
  }
  c.path = path ? *path : default_path(request_path);
  (void)https;  // RFC 6265 stores a Secure cookie received over http too; it is sent over https only
  const auto old = std::find_if(cookies_.begin(), cookies_.end(), [&](const Cookie& o) {
    return o.name == c.name && o.domain == c.domain && o.path == c.path;
  });
  c.created = ++counter_;
  if (old != cookies_.end()) {
    c.created = old->created;
    cookies_.erase(old);
  }
  if (c.persistent && c.expires_s <= now_s) return true;  // set expired: a deletion
  if (cookies_.size() >= kMaxCookies) {
    drop_expired(now_s);
    if (cookies_.size() >= kMaxCookies)
      cookies_.erase(std::min_element(cookies_.begin(), cookies_.end(),
                                      [](const Cookie& a, const Cookie& b) { return a.created < b.created; }));
  }
  cookies_.push_back(std::move(c));
  return true;
}

void CookieJar::drop_expired(double now_s) {
  cookies_.erase(std::remove_if(cookies_.begin(), cookies_.end(),
                                [&](const Cookie& c) { return c.persistent && c.expires_s <= now_s; }),
                 cookies_.end());
}

std::string CookieJar::header_for(std::string_view host, std::string_view request_path, bool https, double now_s,
                                  std::size_t* sent) {
  if (sent) *sent = 0;
  if (cookies_.empty()) return {};
  drop_expired(now_s);
  std::vector<const Cookie*> match;
  for (const Cookie& c : cookies_) {
    if (c.host_only ? host != c.domain : !domain_match(host, c.domain)) continue;
    if (!path_match(request_path, c.path) || (c.secure && !https)) continue;
    match.push_back(&c);
  }
  // 5.4: longer paths first; among equal paths, the earlier created first
  std::stable_sort(match.begin(), match.end(), [](const Cookie* a, const Cookie* b) {
    if (a->path.size() != b->path.size()) return a->path.size() > b->path.size();
    return a->created < b->created;
  });
  std::string out;
  for (const Cookie* c : match) {
    if (!out.empty()) out += "; ";
    out += c->name;
    out += '=';
    out += c->value;
  }
  if (sent) *sent = match.size();
  return out;
}

std::optional<std::string> CookieJar::value_of(std::string_view name, std::string_view host, bool https, double now_s) {
  drop_expired(now_s);
  const Cookie* best = nullptr;
  for (const Cookie& c : cookies_) {
    if (c.name != name) continue;
    if (c.host_only ? host != c.domain : !domain_match(host, c.domain)) continue;
    if (c.secure && !https) continue;
    if (!best || c.path.size() > best->path.size()) best = &c;
  }
  if (!best) return std::nullopt;
  return best->value;
}

}  // namespace lab
