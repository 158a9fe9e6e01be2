// server --calibrate and make calibrate's script: every cost measured, positive, with its spread,
// in the order the mechanisms dictate (orders of magnitude apart, so noise cannot flip them); the
// document where make capacity's report finds it; CLI mistakes named.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/calibration.h"
#include "tests/support/process.h"

using namespace labtest;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {
std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

TEST(Calibrate, MeasuresEveryCostWithItsSpreadAndMakeCalibrateWritesTheDocument) {
  const fs::path results = fs::temp_directory_path() / ("loadlab-cal-" + std::to_string(getpid()));
  fs::remove_all(results);
  fs::create_directories(results);
  const std::string cmd = "BUILD='" BUILD_DIR "' RESULTS='" + results.string() +
                          "' bash '" SOURCE_DIR "/scripts/calibrate.sh' > '" + results.string() + "/out.txt' 2>&1";
  const int rc = std::system(cmd.c_str());
  const std::string out = slurp(results / "out.txt");
  ASSERT_EQ(rc, 0) << out;
  ASSERT_TRUE(fs::is_symlink(results / "calibration" / "latest")) << out;
  const lab::Calibration c = lab::read_calibration((results / "calibration" / "latest" / "calibration.json").string());
  EXPECT_TRUE(c.errors.empty()) << c.errors.begin()->first << ": " << c.errors.begin()->second;
  for (const char* name :
       {"fork_exit_wait", "vfork_exit_wait", "thread_create_join", "context_switch", "tcp_connect_close",
        "tcp_accept_close", "loopback_round_trip", "poll_10", "poll_1000", "select_10", "select_1000", "epoll_wait_10",
        "epoll_wait_1000", "memcpy_256k", "busy_loop_200us", "nanosleep_1us", "clock_gettime"})
    EXPECT_TRUE(c.costs.count(name)) << name << " was not measured";
  for (const auto& [name, k] : c.costs) {
    EXPECT_GT(k.median_us, 0) << name;
    EXPECT_LE(k.p10_us, k.median_us) << name;
    EXPECT_LE(k.median_us, k.p90_us) << name;
    EXPECT_GE(k.samples, 11u) << name << ": a spread needs batches";
    EXPECT_GE(k.per_sample, 1u) << name;
    EXPECT_FALSE(k.what.empty()) << name;
    EXPECT_NE(out.find(name), std::string::npos) << "the table names " << name;
  }
  // What the mechanisms dictate, each by a factor the noise cannot reach:
  EXPECT_GT(*c.us("fork_exit_wait"), *c.us("vfork_exit_wait")) << "fork copies the memory map; vfork does not";
  EXPECT_GT(*c.us("poll_1000"), 5 * *c.us("poll_10")) << "poll scans every descriptor";
  EXPECT_LT(*c.us("epoll_wait_1000"), *c.us("poll_1000")) << "epoll returns the ready one only";
  EXPECT_GT(*c.us("busy_loop_200us"), 150);
  EXPECT_LT(*c.us("clock_gettime"), *c.us("context_switch"));
  EXPECT_GT(c.loop_iterations_per_us, 0);
  EXPECT_GE(c.host.value("cpus_online", 0), 1);
  EXPECT_FALSE(c.host.value("affinity", nlohmann::json::array()).empty());
  fs::remove_all(results);
}

TEST(Calibrate, MistakesAreNamed) {
  Process a({SERVER_BIN, "--json", "/tmp/x.json"});
  ExitStatus s = a.wait(10s);
  EXPECT_EQ(s.code, 2);
  EXPECT_NE(a.err().find("--json: only with --calibrate"), std::string::npos) << a.err();
  Process b({SERVER_BIN, "--calibrate", "--model", "epoll"});
  s = b.wait(10s);
  EXPECT_EQ(s.code, 2);
  EXPECT_NE(b.err().find("leave --model out"), std::string::npos) << b.err();
  Process c({SERVER_BIN, "--calibrate", "--json", "/nonexistent/dir/cal.json"});
  s = c.wait(10s);
  EXPECT_EQ(s.code, 2) << "refused before measuring";
  EXPECT_NE(c.err().find("--json"), std::string::npos) << c.err();
}
