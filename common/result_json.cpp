#include "common/result_json.h"

#include <sched.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

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
  return {{"cpus", cpus},
          {"affinity", affinity},
          {"pinned", pinned},
          {"kernel", kernel},
          {"hostname", host},
          {"fd_limit_soft", lim.soft},
          {"fd_limit_hard", lim.hard},
          {"somaxconn", somaxconn()},
          {"ip_local_port_range", read_first_line("/proc/sys/net/ipv4/ip_local_port_range")},
          {"tcp_tw_reuse", read_first_line("/proc/sys/net/ipv4/tcp_tw_reuse")}};
}

std::string utc_timestamp() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void write_json_file(const std::string& path, const nlohmann::json& j, int indent) {
  const std::string tmp = path + ".tmp" + std::to_string(getpid());
  {
    std::ofstream f(tmp);
    if (!f) throw std::runtime_error("cannot write " + tmp);
    f << j.dump(indent) << '\n';
    f.flush();
    if (!f) throw std::runtime_error("write failed: " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw std::runtime_error("cannot rename " + tmp + " to " + path);
  }
}

nlohmann::json read_json_file(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw std::runtime_error(path + ": cannot open");
  std::stringstream ss;
  ss << f.rdbuf();
  try {
    return nlohmann::json::parse(ss.str());
  } catch (const nlohmann::json::parse_error& e) {
    throw std::runtime_error(path + ": not valid JSON (" + e.what() + ")");
  }
}

void validate_result(const nlohmann::json& j, const std::string& path) {
  auto fail = [&](const std::string& field, const std::string& what) {
    throw std::runtime_error(path + ": field '" + field + "' " + what);
  };
  if (!j.is_object()) fail("(root)", "must be an object");
  if (!j.contains("schema") || j["schema"] != kResultSchema) fail("schema", std::string("must be \"") + kResultSchema + "\"");
  if (!j.contains("schema_version") || !j["schema_version"].is_number_integer()) fail("schema_version", "is missing");
  if (!j.contains("label") || !j["label"].is_string()) fail("label", "is missing or not a string");
  if (!j.contains("status") || !j["status"].is_string()) fail("status", "is missing");
  if (!j.contains("workload") || !j["workload"].is_object()) fail("workload", "is missing");
  if (j["status"] == "ok") {
    if (!j.contains("summary") || !j["summary"].is_object()) fail("summary", "is missing");
    for (const char* k : {"requests", "failures", "rps", "avg_ms"})
      if (!j["summary"].contains(k) || !j["summary"][k].is_number()) fail(std::string("summary.") + k, "is missing or not a number");
    if (!j["summary"].contains("percentiles_ms") || !j["summary"]["percentiles_ms"].is_object())
      fail("summary.percentiles_ms", "is missing");
  }
}

nlohmann::json comparable_workload(const nlohmann::json& workload) {
  nlohmann::json w = workload;
  for (const char* k : {"url", "host", "port", "threads"}) w.erase(k);
  return w;
}

}  // namespace lab
