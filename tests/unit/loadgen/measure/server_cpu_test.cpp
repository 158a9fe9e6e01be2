// The server's CPU from its cgroup: the v1 and v2 files as the kernel writes them (captured on
// this machine and from a v2 host's documentation), the hierarchies found from /proc/self/mounts,
// and a limit read back as CPUs.
#include "loadgen/measure/server_cpu.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace lab {
namespace {

namespace fs = std::filesystem;

void put(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

TEST(ServerCpu, ParsesV2CpuStat) {
  const auto r = parse_v2_cpu_stat(
      "usage_usec 2500000\nuser_usec 1500000\nsystem_usec 1000000\nnr_periods 40\nnr_throttled 7\n"
      "throttled_usec 350000\nnr_bursts 0\nburst_usec 0\n");
  ASSERT_TRUE(r.has_value());
  EXPECT_DOUBLE_EQ(r->usage_s, 2.5);
  EXPECT_EQ(r->periods, 40u);
  EXPECT_EQ(r->throttled, 7u);
  EXPECT_DOUBLE_EQ(r->throttled_s, 0.35);
  EXPECT_FALSE(parse_v2_cpu_stat("user_usec 5\n").has_value()) << "no usage: not a cpu.stat";
}

TEST(ServerCpu, ParsesV1Files) {
  CpuReading r;
  // this machine's /sys/fs/cgroup/cpu/cpu.stat (Linux 6.18, cgroup v1)
  ASSERT_TRUE(parse_v1_cpu_stat(
      "nr_periods 1200\nnr_throttled 300\nthrottled_time 2250000000\nnr_bursts 0\nburst_time 0\nwait_sum 0\n", r));
  EXPECT_EQ(r.periods, 1200u);
  EXPECT_EQ(r.throttled, 300u);
  EXPECT_DOUBLE_EQ(r.throttled_s, 2.25);
  EXPECT_EQ(parse_number("123456789012\n"), 123456789012u);
  EXPECT_FALSE(parse_number("-1\n").has_value());
  EXPECT_FALSE(parse_number("12 34").has_value());
  EXPECT_FALSE(parse_number("").has_value());
}

TEST(ServerCpu, ReadsLimitsAsCpus) {
  const CpuLimit quarter = parse_v2_cpu_max("25000 100000\n");
  ASSERT_TRUE(quarter.cpus.has_value());
  EXPECT_DOUBLE_EQ(*quarter.cpus, 0.25);
  EXPECT_DOUBLE_EQ(quarter.period_us, 100000);
  EXPECT_FALSE(parse_v2_cpu_max("max 100000\n").cpus.has_value());
  const CpuLimit v1 = parse_v1_quota("2500\n", "10000\n");
  ASSERT_TRUE(v1.cpus.has_value());
  EXPECT_DOUBLE_EQ(*v1.cpus, 0.25);
  EXPECT_FALSE(parse_v1_quota("-1\n", "100000\n").cpus.has_value());
}

// v1 with cpu and cpuacct mounted apart (this machine) and v2 with the cpu controller: each found
// from the mounts' text, read, and a group that does not exist named with how to make one.
TEST(ServerCpu, FindsTheGroupInEitherHierarchy) {
  const fs::path root = fs::temp_directory_path() / ("loadlab-cgroup-" + std::to_string(::getpid()));
  fs::remove_all(root);
  put(root / "sys/fs/cgroup/cpuacct/lab/cpuacct.usage", "1500000000\n");
  put(root / "sys/fs/cgroup/cpu/lab/cpu.cfs_quota_us", "5000\n");
  put(root / "sys/fs/cgroup/cpu/lab/cpu.cfs_period_us", "10000\n");
  put(root / "sys/fs/cgroup/cpu/lab/cpu.stat", "nr_periods 10\nnr_throttled 4\nthrottled_time 8000000\n");
  const std::string v1 =
      "cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0\n"
      "cgroup /sys/fs/cgroup/cpuacct cgroup rw,relatime,cpuacct 0 0\n"
      "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0\n";
  put(root / "sys/fs/cgroup/unified/cgroup.controllers", "hugetlb\n");
  std::string err;
  auto g = find_cgroup("lab", v1, err, root.string());
  ASSERT_TRUE(g.has_value()) << err;
  EXPECT_EQ(g->kind, "v1");
  CpuReading r;
  ASSERT_TRUE(read_cpu(*g, r, err)) << err;
  EXPECT_DOUBLE_EQ(r.usage_s, 1.5);
  EXPECT_EQ(r.throttled, 4u);
  EXPECT_DOUBLE_EQ(r.throttled_s, 0.008);
  const CpuLimit l = read_limit(*g);
  ASSERT_TRUE(l.cpus.has_value());
  EXPECT_DOUBLE_EQ(*l.cpus, 0.5);

  put(root / "v2/cgroup.controllers", "cpuset cpu io memory pids\n");
  put(root / "v2/lab/cpu.stat", "usage_usec 700\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n");
  put(root / "v2/lab/cpu.max", "max 100000\n");
  g = find_cgroup("lab", "cgroup2 /v2 cgroup2 rw 0 0\n", err, root.string());
  ASSERT_TRUE(g.has_value()) << err;
  EXPECT_EQ(g->kind, "v2");
  ASSERT_TRUE(read_cpu(*g, r, err)) << err;
  EXPECT_DOUBLE_EQ(r.usage_s, 0.0007);
  EXPECT_FALSE(read_limit(*g).cpus.has_value());

  EXPECT_FALSE(find_cgroup("nothere", v1, err, root.string()).has_value());
  EXPECT_NE(err.find("no cgroup 'nothere'"), std::string::npos) << err;
  EXPECT_FALSE(find_cgroup("../etc", v1, err, root.string()).has_value());
  EXPECT_NE(err.find("--server-cgroup"), std::string::npos) << err;
  fs::remove_all(root);
}

}  // namespace
}  // namespace lab
