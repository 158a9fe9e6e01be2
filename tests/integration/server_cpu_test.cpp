// The server's service demand measured from its own cgroup (--server-cgroup), end to end: a server
// with a known cost per request (--work-us 500) reads 500-700 us of CPU per request, and given half
// a CPU (a CFS quota, as SERVER_CPU_LIMIT sets) it serves about half as many, as the utilization
// law says (limit = CPUs / D). The group is made by scripts/lib/cgroup.sh, as the scripts make it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "common/output_file.h"
#include "tests/support/loadgen_run.h"
#include "tests/support/process.h"

using namespace labtest;

namespace {

// A cgroup of the test's own (v2 or v1, as the library detects), removed at the end.
class Group {
 public:
  Group(const std::string& name, const std::string& limit) : name_(name) {
    const std::string cmd = "cd " SOURCE_DIR " && SERVER_CPU_LIMIT='" + limit +
                            "' bash -c 'source scripts/lib/cgroup.sh && server_cgroup_open " + name +
                            " && echo \"${SERVER_CG_DIRS[*]}\" || { echo \"ERROR $CGROUP_ERROR\"; exit 1; }'";
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return;
    char buf[4096];
    std::string out;
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    ok_ = ::pclose(p) == 0;
    if (!ok_) {
      error_ = out;
      return;
    }
    std::istringstream in(out);
    for (std::string d; in >> d;) dirs_.push_back(d);
  }
  ~Group() {
    for (const auto& d : dirs_) ::rmdir(d.c_str());  // (empty by then: the server has stopped)
  }
  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  const std::string& name() const { return name_; }
  /// Moves `pid` (a single-process server) into the group.
  void add(pid_t pid) const {
    for (const auto& d : dirs_) std::ofstream(d + "/cgroup.procs") << pid << "\n";
  }

 private:
  std::string name_, error_;
  std::vector<std::string> dirs_;
  bool ok_ = false;
};

// "12,345 ..." -> "12345 ..." (a number as the tables write it, to read back).
std::string remove_commas(std::string s) {
  const auto end = s.find_first_not_of("0123456789,.");
  s = s.substr(0, end);
  s.erase(std::remove(s.begin(), s.end(), ','), s.end());
  return s;
}

struct Measured {
  double rps = 0, d_us = 0;
  nlohmann::json doc;
};

Measured measure(const std::string& limit, const std::string& tag) {
  Group g("lab-test-" + tag + "-" + std::to_string(::getpid()), limit);
  if (!g.ok()) {
    ADD_FAILURE() << "cannot make a cgroup: " << g.error();
    return {};
  }
  ServerProcess s("epoll", {"--protocol", "http11", "--work-us", "500"});
  g.add(s.proc().pid());
  Measured m;
  m.doc = run_loadgen({"-H", url(s.port()), "-u", "8", "--max", "--keepalive", "-t", "3s", "--server-cgroup", g.name()},
                      tmp_json("server-cpu-" + tag));
  EXPECT_EQ(s.stop().code, 0);
  if (m.doc.is_null()) return m;
  expect_consistent(m.doc);
  m.rps = m.doc["summary"]["requests"].get<double>() / m.doc["summary"]["duration_s"].get<double>();
  const auto& c = m.doc["server_cpu"];
  EXPECT_TRUE(c.is_object()) << "the result has the server's CPU";
  if (c.is_object() && c["us_per_request"].is_number()) m.d_us = c["us_per_request"].get<double>();
  return m;
}

TEST(ServerCpu, AKnownCostIsMeasuredAndAHalfCpuLimitHalvesTheRate) {
  if (::geteuid() != 0) GTEST_SKIP() << "making a cgroup needs root (CI runs as root)";
  const Measured full = measure("", "full");
  // 500 us of calibrated work plus the request's own handling: the demand is at least the work.
  EXPECT_GE(full.d_us, 480.0);
  EXPECT_LE(full.d_us, 900.0);
  ASSERT_GT(full.rps, 0.0);
  EXPECT_NEAR(full.rps * full.d_us / 1e6, full.doc["server_cpu"]["cpus"].get<double>(), 0.05)
      << "U = X * D (the utilization law over the same window)";
  EXPECT_TRUE(full.doc["server_cpu"]["limit_cpus"].is_null());

  const Measured half = measure("0.5", "half");
  ASSERT_GT(half.rps, 0.0);
  EXPECT_NEAR(half.doc["server_cpu"]["limit_cpus"].get<double>(), 0.5, 1e-9);
  EXPECT_GT(half.doc["server_cpu"]["throttled"].get<std::uint64_t>(), 0u) << "a saturated half CPU is throttled";
  // Half the CPU, about half the rate (factor bounds: the machine is shared), and the limited rate
  // is what the demand allows on half a CPU.
  EXPECT_GT(half.rps / full.rps, 0.3);
  EXPECT_LT(half.rps / full.rps, 0.75);
  EXPECT_NEAR(half.rps / (0.5e6 / half.d_us), 1.0, 0.3);
}

// A trivial handler on kept-alive connections: the client runs out first, so the search's limit is
// only a lower bound; the server's CPU per request, measured in the same steps, projects a limit
// above that bound, which is what ranks the cell (README's answer table).
TEST(ServerCpu, AClientBoundSearchIsProjectedAboveItsBound) {
  if (::geteuid() != 0) GTEST_SKIP() << "making a cgroup needs root (CI runs as root)";
  Group g("lab-test-bound-" + std::to_string(::getpid()), "");
  ASSERT_TRUE(g.ok()) << g.error();
  ServerProcess s("epoll", {"--protocol", "http11"});
  g.add(s.proc().pid());
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("loadlab-bound-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "keepalive");
  const std::string doc = (dir / "keepalive" / "epoll.json").string();
  Process p(
      {LOADGEN_BIN, "capacity",  "-H",        url(s.port()), "-u",    "50",           "--keepalive", "--threads",
       "1",         "--slo",     "p99=200ms", "--sweep",     "none",  "--start-rate", "4000",        "--warmup",
       "1s",        "--measure", "1s",        "--label",     "epoll", "--json",       doc,           "--server-cgroup",
       g.name(),    "-q"});
  ASSERT_TRUE(p.wait(std::chrono::seconds(150)).exited) << p.err();
  EXPECT_EQ(s.stop().code, 0);
  const nlohmann::json d = lab::read_json_file(doc);
  ASSERT_EQ(d["status"], "client_bound") << d["verdict"];
  Process rep({LOADGEN_BIN, "capacity-report", dir.string()});
  ASSERT_EQ(rep.wait(std::chrono::seconds(30)).code, 0) << rep.err();
  std::ifstream md(dir / "summary.md");
  std::stringstream text;
  text << md.rdbuf();
  // "Ranking: epoll ~PROJECTED (>= BOUND measured)."
  const std::string summary = text.str();
  const auto at = summary.find("Ranking: epoll ~");
  ASSERT_NE(at, std::string::npos) << summary;
  const double projected = std::stod(remove_commas(summary.substr(at + 16)));
  const auto ge = summary.find("(>= ", at);
  ASSERT_NE(ge, std::string::npos) << summary;
  const double bound = std::stod(remove_commas(summary.substr(ge + 4)));
  EXPECT_GT(projected, bound) << summary;
  std::filesystem::remove_all(dir);
}

// A name that is not a cgroup, or one with no CPU accounting, stops the run before it starts,
// naming the flag.
TEST(ServerCpu, AMissingGroupIsRefusedBeforeTheRun) {
  int code = -1;
  std::string err;
  const auto j =
      run_loadgen({"-H", "http://127.0.0.1:9/", "-u", "1", "--max", "-t", "1s", "--server-cgroup", "lab-no-such-group"},
                  tmp_json("server-cpu-missing"), &code, &err);
  EXPECT_TRUE(j.is_null());
  EXPECT_NE(code, 0);
  EXPECT_NE(err.find("--server-cgroup"), std::string::npos) << err;
}

}  // namespace
