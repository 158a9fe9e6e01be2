#include "common/environment.h"

#include <sched.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <fstream>

#include "common/calibration.h"
#include "common/net.h"

namespace lab {

nlohmann::json tool_info(const char* name) {
  return {{"name", name}, {"version", LAB_VERSION}, {"git_sha", LAB_GIT_SHA}};
}

static std::string read_first_line(const char* path) {
  std::ifstream f(path);
  std::string line;
  std::getline(f, line);
  return line;
}

nlohmann::json environment_info() {
  utsname u{};
  std::string kernel = uname(&u) == 0 ? std::string(u.sysname) + " " + u.release : "unknown";
  char host[256] = "";
  if (gethostname(host, sizeof host - 1) != 0) host[0] = 0;
  FdLimit lim = raise_fd_limit();
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  nlohmann::json affinity = nlohmann::json::array();
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0)
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &set)) affinity.push_back(c);
  const bool pinned = static_cast<long>(affinity.size()) < cpus;
  nlohmann::json env = {{"cpus", cpus},
                        {"affinity", affinity},
                        {"pinned", pinned},
                        {"kernel", kernel},
                        {"hostname", host},
                        {"fd_limit_soft", lim.soft},
                        {"fd_limit_hard", lim.hard},
                        {"somaxconn", somaxconn()},
                        {"ip_local_port_range", read_first_line("/proc/sys/net/ipv4/ip_local_port_range")},
                        {"tcp_tw_reuse", read_first_line("/proc/sys/net/ipv4/tcp_tw_reuse")}};
  env["cpu_model"] = cpu_model();
  if (nlohmann::json cal = calibration_info(env); !cal.is_null()) env["calibration"] = cal;
  return env;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      const auto start = colon == std::string::npos ? std::string::npos : line.find_first_not_of(' ', colon + 1);
      return start == std::string::npos ? "" : line.substr(start);
    }
  return "";
}

nlohmann::json calibration_info(const nlohmann::json& here) {
  const char* path = std::getenv("LOADGEN_CALIBRATION");
  if (!path || !*path) return nullptr;
  try {
    const Calibration c = read_calibration(path);
    nlohmann::json costs = nlohmann::json::object();
    for (const auto& [name, k] : c.costs) costs[name] = k.median_us;
    nlohmann::json info = {{"file", path},
                           {"created", c.created},
                           {"affinity", c.host.value("affinity", nlohmann::json::array())},
                           {"median_us", costs}};
    if (const std::string other = calibration_host_mismatch(c, here); !other.empty()) info["other_host"] = other;
    return info;
  } catch (const std::exception& e) {
    return {{"file", path}, {"error", e.what()}};
  }
}

std::optional<std::time_t> parse_utc_timestamp(const std::string& text) {
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (!end || *end) return std::nullopt;
  return timegm(&tm);
}

std::string utc_timestamp(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace lab
