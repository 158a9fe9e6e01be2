#include "loadgen/live/requests.h"

#include <utility>  // Boost 1.74's awaitable.hpp needs it first

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <charconv>
#include <cmath>

#include <nlohmann/json.hpp>

namespace lab {

using json = nlohmann::json;

bool is_loopback_host(std::string_view host) {
  if (host.empty()) return false;
  // strip the port: host:port, [v6]:port
  if (host.front() == '[') {
    const auto close = host.find(']');
    if (close == std::string_view::npos) return false;
    host = host.substr(1, close - 1);
  } else if (const auto colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  if (host == "localhost") return true;
  boost::system::error_code ec;
  const auto a = boost::asio::ip::make_address(std::string(host), ec);
  return !ec && a.is_loopback();
}

std::optional<ControlChange> parse_control(const std::string& body, const std::string& mode, int max_users,
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
      if (mode == "rate") {
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
      if (mode != "rate") {
        why = "\"rate\" steers an open-loop run (--rate); this run's mode is " + mode + ": steer its \"users\"";
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

std::uint64_t last_event_id(std::string_view header, std::string_view query) {
  std::string_view v = header;
  // curl -N 'http://.../events?last_event_id=42' resumes too
  while (v.empty() && !query.empty()) {
    const std::string_view param = query.substr(0, query.find('&'));
    if (param.substr(0, 14) == "last_event_id=") v = param.substr(14);
    query.remove_prefix(std::min(query.size(), param.size() + 1));
  }
  std::uint64_t id = 0;
  const auto [end, err] = std::from_chars(v.data(), v.data() + v.size(), id);
  return err == std::errc{} && end == v.data() + v.size() ? id : 0;
}

}  // namespace lab
