#include "loadgen/workload.h"

#include <charconv>
#include <nlohmann/json.hpp>

namespace lab {

const char* to_string(LoadMode m) {
  switch (m) {
    case LoadMode::kUsers: return "users";
    case LoadMode::kMax: return "max";
    case LoadMode::kRate: return "rate";
  }
  return "?";
}

bool parse_url(const std::string& url, Target& out, std::string& error) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) {
    error = "'" + url + "' must start with http:// (https is not supported)";
    return false;
  }
  std::string rest = url.substr(scheme.size());
  std::size_t slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  out.path = slash == std::string::npos ? "/" : rest.substr(slash);
  std::size_t colon = hostport.rfind(':');
  out.host = hostport.substr(0, colon);
  out.port = 80;
  if (colon != std::string::npos) {
    const std::string p = hostport.substr(colon + 1);
    unsigned v = 0;
    auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
    if (ec != std::errc{} || ptr != p.data() + p.size() || v == 0 || v > 65535) {
      error = "'" + url + "' has an invalid port '" + p + "'";
      return false;
    }
    out.port = static_cast<std::uint16_t>(v);
  }
  if (out.host == "localhost") out.host = "127.0.0.1";
  if (out.host.empty()) {
    error = "'" + url + "' has no host";
    return false;
  }
  return true;
}

nlohmann::json workload_json(const Workload& w) {
  nlohmann::json j = {{"url", w.url},
                      {"path", w.target.path},
                      {"mode", to_string(w.mode)},
                      {"users", w.users},
                      {"spawn_rate", w.spawn_rate},
                      {"run_time_s", std::chrono::duration<double>(w.run_time).count()},
                      {"wait_min_s", w.mode == LoadMode::kUsers ? w.wait_min_s : 0.0},
                      {"wait_max_s", w.mode == LoadMode::kUsers ? w.wait_max_s : 0.0},
                      {"rate", w.rate},
                      {"poisson", w.poisson},
                      {"keepalive", w.keepalive},
                      {"threads", w.threads},
                      {"timeout_s", std::chrono::duration<double>(w.timeout).count()},
                      {"expect_status", w.expect_status.spec()},
                      {"seed", w.seed}};
  return j;
}

}  // namespace lab
