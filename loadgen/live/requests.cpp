#include "loadgen/live/requests.h"

#include <utility>  // Boost 1.74's awaitable.hpp needs it first

#include <sys/random.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <charconv>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace lab {

using json = nlohmann::json;

namespace {

// A Host header without its port: host:port, [v6]:port; nullopt when it is not one.
std::optional<std::string_view> host_name(std::string_view host) {
  if (host.empty()) return std::nullopt;
  if (host.front() == '[') {
    const auto close = host.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    return host.substr(1, close - 1);
  }
  if (const auto colon = host.find(':'); colon != std::string_view::npos) {
    if (host.find(':', colon + 1) != std::string_view::npos) return host;  // a bare IPv6 address
    return host.substr(0, colon);
  }
  return host;
}

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

bool is_loopback_host(std::string_view header) {
  const auto host = host_name(header);
  if (!host || host->empty()) return false;
  if (same_name(*host, "localhost")) return true;
  boost::system::error_code ec;
  const auto a = boost::asio::ip::make_address(std::string(*host), ec);
  return !ec && a.is_loopback();
}

bool host_allowed(std::string_view header, const std::vector<std::string>& allowed) {
  if (is_loopback_host(header)) return true;
  const auto host = host_name(header);
  if (!host || host->empty()) return false;
  return std::any_of(allowed.begin(), allowed.end(),
                     [&](const std::string& a) { return a == "*" || same_name(a, *host); });
}

std::string parse_allowed_hosts(const std::string& text, std::vector<std::string>& out) {
  std::string_view rest = text;
  while (!rest.empty()) {
    std::string_view item = rest.substr(0, rest.find(','));
    rest.remove_prefix(std::min(rest.size(), item.size() + 1));
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) continue;
    if (item.front() == '[' && item.back() == ']') item = item.substr(1, item.size() - 2);
    const bool ok = item == "*" || std::all_of(item.begin(), item.end(), [](char c) {
                      return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':';
                    });
    if (!ok) return "'" + std::string(item) + "' is not a host name or address (letters, digits, '.', '-', ':'; or *)";
    out.emplace_back(item);
  }
  if (out.empty()) return "give at least one host name, e.g. --live-allow-host lab.example.net,10.0.0.5";
  return {};
}

bool same_secret(std::string_view a, std::string_view b) {
  // Every byte of the longer is read whatever the contents; only the lengths shape the time.
  const std::size_t n = std::max(a.size(), b.size());
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff = static_cast<unsigned char>(diff | (x ^ y));
  }
  return diff == 0 && !a.empty();
}

std::string random_token() {
  unsigned char bytes[16];
  std::size_t got = 0;
  while (got < sizeof bytes) {
    const ssize_t n = getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error(std::string("getrandom: ") + std::strerror(errno));
    got += static_cast<std::size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

bool valid_event_type(std::string_view type) {
  return !type.empty() && type.size() <= 32 && std::islower(static_cast<unsigned char>(type.front())) &&
         std::all_of(type.begin(), type.end(), [](char c) {
           return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
                  c == '-' || c == '_';
         });
}

std::optional<ControlChange> parse_control(const std::string& body, const LoadModel& model, int max_users,
                                           std::string& why) {
  const json j = json::parse(body, nullptr, false);
  if (!j.is_object()) {
    why = "the body must be a JSON object: {\"users\": N, \"spawn_rate\": R}, {\"rate\": R} or {\"stop\": true}";
    return std::nullopt;
  }
  ControlChange c;
  for (const auto& [k, v] : j.items()) {
    if (k == "stop") {
      if (!v.is_boolean() || !v.get<bool>()) {
        why = "\"stop\" must be true";
        return std::nullopt;
      }
      c.stop = true;
    } else if (k == "users") {
      if (model.open_loop()) {
        why = "an open-loop run's connections are fixed (-u); steer its \"rate\"";
        return std::nullopt;
      }
      if (!v.is_number_integer() || v.get<long long>() < 0 || v.get<long long>() > max_users) {
        why = "\"users\" must be a whole number from 0 to " + std::to_string(max_users) + " (the open-file limit)";
        return std::nullopt;
      }
      c.users = v.get<int>();
    } else if (k == "spawn_rate") {
      if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0 || v.get<double>() > 1e7) {
        why = "\"spawn_rate\" must be a number of users per second from 0 (at once) to 1e7";
        return std::nullopt;
      }
      c.spawn_rate = v.get<double>();
    } else if (k == "rate") {
      if (!model.open_loop()) {
        why = "\"rate\" steers an open-loop run (--rate); this run's mode is " + std::string(model.name()) +
              ": steer its \"users\"";
        return std::nullopt;
      }
      if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0 || v.get<double>() > 1e9) {
        why = "\"rate\" must be requests per second from 0 to 1e9";
        return std::nullopt;
      }
      c.rate = v.get<double>();
    } else {
      why = "unknown field \"" + k + "\" (known: users, spawn_rate, rate, stop)";
      return std::nullopt;
    }
  }
  if (!c.stop && !c.users && !c.rate) {
    why = "nothing to change: give \"users\", \"rate\" or \"stop\"";
    return std::nullopt;
  }
  return c;
}

std::uint64_t last_event_id(std::string_view header, std::string_view query, std::string_view run) {
  std::string_view v = header;
  // curl -N 'http://.../events?last_event_id=42' resumes too
  while (v.empty() && !query.empty()) {
    const std::string_view param = query.substr(0, query.find('&'));
    if (param.substr(0, 14) == "last_event_id=") v = param.substr(14);
    query.remove_prefix(std::min(query.size(), param.size() + 1));
  }
  // RUN.N: a number of this run only
  if (run.empty() || v.size() <= run.size() + 1 || v.substr(0, run.size()) != run || v[run.size()] != '.') return 0;
  v.remove_prefix(run.size() + 1);
  std::uint64_t id = 0;
  const auto [end, err] = std::from_chars(v.data(), v.data() + v.size(), id);
  return err == std::errc{} && end == v.data() + v.size() ? id : 0;
}

}  // namespace lab
