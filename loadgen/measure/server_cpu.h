#pragma once
// The server's CPU time, read from a cgroup of its own (--server-cgroup NAME), so that a run can
// state the server's service demand: the CPU it spent per request (the utilization law, D = U / X),
// and how often a CPU limit throttled it. cgroup v2 (cpu.stat's usage_usec, cpu.max) or v1
// (cpuacct.usage in the cpuacct hierarchy; cpu.stat and cfs_quota_us/cfs_period_us in the cpu
// one), whichever the machine mounts the controllers in: nanosecond accounting of every process in
// the group, forked children included. Not /proc/stat: its busy time is tick-sampled, and at low
// utilisation the same run read 1.9 to 354 us per request (docs/performance.md).
#include <cstdint>
#include <optional>
#include <string>

namespace lab {

/// Where a cgroup's CPU figures are (paths of the files; "" where the machine has none).
struct CgroupCpu {
  std::string name;        // as given to --server-cgroup
  std::string kind;        // "v2" or "v1"
  std::string usage_path;  // v2: cpu.stat (usage_usec); v1: cpuacct.usage (ns)
  std::string stat_path;   // throttling: v2 the same cpu.stat; v1 the cpu hierarchy's cpu.stat
  std::string limit_path;  // v2: cpu.max; v1: cpu.cfs_quota_us (cpu.cfs_period_us beside it)
};

/// A reading: CPU time used, and the throttling counters (CFS bandwidth periods).
struct CpuReading {
  double usage_s = 0;
  std::uint64_t periods = 0, throttled = 0;
  double throttled_s = 0;
};

/// A CPU limit (CFS bandwidth): CPUs per period; none when unlimited.
struct CpuLimit {
  std::optional<double> cpus;
  double period_us = 0;
};

/// Finds cgroup `name` (a path below the hierarchy's root, e.g. "lab-server-1234") in the
/// hierarchies `mounts` (the text of /proc/self/mounts) lists, preferring v2 where the cpu
/// controller is enabled there; `root` is prepended to every path (tests). nullopt and `err`
/// (what is missing, and how to make it) when it is not there.
std::optional<CgroupCpu> find_cgroup(const std::string& name, const std::string& mounts, std::string& err,
                                     const std::string& root = "");
/// Reads `g` now; false and `err` when a file cannot be read or makes no sense.
bool read_cpu(const CgroupCpu& g, CpuReading& out, std::string& err);
/// The group's CPU limit (no limit when the files say so or cannot be read).
CpuLimit read_limit(const CgroupCpu& g);

// The files' formats (exposed for their tests).
/// v2 cpu.stat: usage_usec, nr_periods, nr_throttled, throttled_usec; nullopt without usage_usec.
std::optional<CpuReading> parse_v2_cpu_stat(const std::string& text);
/// v1 cpu.stat: nr_periods, nr_throttled, throttled_time (ns) into `r`; false if none is there.
bool parse_v1_cpu_stat(const std::string& text, CpuReading& r);
/// A file holding one unsigned number (v1 cpuacct.usage, cfs_period_us); nullopt if not that.
std::optional<std::uint64_t> parse_number(const std::string& text);
/// v2 cpu.max ("max 100000" or "25000 100000").
CpuLimit parse_v2_cpu_max(const std::string& text);
/// v1 cfs_quota_us (-1: none) over cfs_period_us.
CpuLimit parse_v1_quota(const std::string& quota, const std::string& period);

}  // namespace lab
