#include "loadgen/measure/server_cpu.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

namespace lab {

namespace {

bool slurp(const std::string& path, std::string& out) {
  std::ifstream f(path);
  if (!f) return false;
  std::stringstream ss;
  ss << f.rdbuf();
  out = ss.str();
  return !f.bad();
}

bool exists(const std::string& path) {
  std::ifstream f(path);
  return static_cast<bool>(f);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (const char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

// "key value" lines: the value of `key`, if it is an unsigned number.
std::optional<std::uint64_t> field(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::istringstream l(line);
    std::string k;
    std::string v;
    if (l >> k >> v && k == key) return parse_number(v);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::uint64_t> parse_number(const std::string& text) {
  std::size_t b = text.find_first_not_of(" \t\n");
  std::size_t e = text.find_last_not_of(" \t\n");
  if (b == std::string::npos) return std::nullopt;
  const std::string t = text.substr(b, e - b + 1);
  if (t.empty() || t.find_first_not_of("0123456789") != std::string::npos || t.size() > 19) return std::nullopt;
  return std::strtoull(t.c_str(), nullptr, 10);
}

std::optional<CpuReading> parse_v2_cpu_stat(const std::string& text) {
  const auto usage = field(text, "usage_usec");
  if (!usage) return std::nullopt;
  CpuReading r;
  r.usage_s = static_cast<double>(*usage) / 1e6;
  r.periods = field(text, "nr_periods").value_or(0);
  r.throttled = field(text, "nr_throttled").value_or(0);
  r.throttled_s = static_cast<double>(field(text, "throttled_usec").value_or(0)) / 1e6;
  return r;
}

bool parse_v1_cpu_stat(const std::string& text, CpuReading& r) {
  const auto periods = field(text, "nr_periods");
  if (!periods) return false;
  r.periods = *periods;
  r.throttled = field(text, "nr_throttled").value_or(0);
  r.throttled_s = static_cast<double>(field(text, "throttled_time").value_or(0)) / 1e9;
  return true;
}

CpuLimit parse_v2_cpu_max(const std::string& text) {
  std::istringstream in(text);
  std::string quota;
  std::string period;
  CpuLimit l;
  if (!(in >> quota >> period)) return l;
  const auto p = parse_number(period);
  if (!p || *p == 0) return l;
  l.period_us = static_cast<double>(*p);
  if (const auto q = parse_number(quota)) l.cpus = static_cast<double>(*q) / l.period_us;
  return l;
}

CpuLimit parse_v1_quota(const std::string& quota, const std::string& period) {
  CpuLimit l;
  const auto p = parse_number(period);
  if (!p || *p == 0) return l;
  l.period_us = static_cast<double>(*p);
  if (const auto q = parse_number(quota)) l.cpus = static_cast<double>(*q) / l.period_us;  // "-1": none
  return l;
}

std::optional<CgroupCpu> find_cgroup(const std::string& name, const std::string& mounts, std::string& err,
                                     const std::string& root) {
  if (name.empty() || name.find("..") != std::string::npos) {
    err = "--server-cgroup: '" + name + "' is not a cgroup name (a path below the hierarchy's root, e.g. lab-server)";
    return std::nullopt;
  }
  const std::string rel = name.front() == '/' ? name : "/" + name;
  std::string v1_acct;
  std::string v1_cpu;
  std::istringstream in(mounts);
  for (std::string line; std::getline(in, line);) {
    std::istringstream l(line);
    std::string dev;
    std::string dir;
    std::string type;
    std::string opts;
    if (!(l >> dev >> dir >> type >> opts)) continue;
    const std::string group = root + dir + rel;
    if (type == "cgroup2") {
      std::string controllers;
      if (!slurp(root + dir + "/cgroup.controllers", controllers)) continue;
      std::istringstream cs(controllers);
      bool cpu = false;
      for (std::string c; cs >> c;) cpu = cpu || c == "cpu";
      if (cpu && exists(group + "/cpu.stat")) {
        CgroupCpu g{name, "v2", group + "/cpu.stat", group + "/cpu.stat", group + "/cpu.max"};
        return g;
      }
    } else if (type == "cgroup") {
      for (const auto& o : split(opts, ',')) {
        if (o == "cpuacct" && exists(group + "/cpuacct.usage")) v1_acct = group;
        if (o == "cpu" && exists(group + "/cpu.cfs_quota_us")) v1_cpu = group;
      }
    }
  }
  if (v1_acct.empty()) {
    err = "--server-cgroup: no cgroup '" + name +
          "' with CPU accounting (cgroup v2 with the cpu controller, or v1's cpuacct) is mounted here; create "
          "it and start the server in it (scripts/lib/cgroup.sh does both)";
    return std::nullopt;
  }
  CgroupCpu g{name, "v1", v1_acct + "/cpuacct.usage", v1_cpu.empty() ? "" : v1_cpu + "/cpu.stat",
              v1_cpu.empty() ? "" : v1_cpu + "/cpu.cfs_quota_us"};
  return g;
}

bool read_cpu(const CgroupCpu& g, CpuReading& out, std::string& err) {
  std::string text;
  if (!slurp(g.usage_path, text)) {
    err = "cannot read " + g.usage_path + ": " + std::strerror(errno);
    return false;
  }
  if (g.kind == "v2") {
    const auto r = parse_v2_cpu_stat(text);
    if (!r) {
      err = g.usage_path + " has no usage_usec";
      return false;
    }
    out = *r;
    return true;
  }
  const auto ns = parse_number(text);
  if (!ns) {
    err = g.usage_path + " does not hold a number of nanoseconds";
    return false;
  }
  out = CpuReading{};
  out.usage_s = static_cast<double>(*ns) / 1e9;
  if (!g.stat_path.empty() && slurp(g.stat_path, text)) parse_v1_cpu_stat(text, out);
  return true;
}

CpuLimit read_limit(const CgroupCpu& g) {
  std::string a;
  std::string b;
  if (g.limit_path.empty() || !slurp(g.limit_path, a)) return {};
  if (g.kind == "v2") return parse_v2_cpu_max(a);
  const std::string period = g.limit_path.substr(0, g.limit_path.rfind('/')) + "/cpu.cfs_period_us";
  if (!slurp(period, b)) return {};
  return parse_v1_quota(a, b);
}

}  // namespace lab
