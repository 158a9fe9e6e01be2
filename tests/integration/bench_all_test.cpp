// make bench-all's script: a suite with a model that cannot start still completes, records the
// failure, leaves no process behind, and writes the summary and report.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/output_file.h"
#include "common/result.h"
#include "tests/support/process.h"

using namespace labtest;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

// With LIVE=0 the whole job has one live page (a hub on a free port), which ends with the job.
TEST(BenchAll, AFailingModelIsRecordedAndTheSuiteCompletes) {
  become_subreaper();
  const fs::path results = fs::temp_directory_path() / ("loadlab-bench-" + std::to_string(getpid()));
  fs::remove_all(results);
  const std::string cmd = "PROFILE=quick MODELS='epoll nosuchmodel' LIVE=0 BUILD='" BUILD_DIR "' RESULTS='" +
                          results.string() + "' bash '" SOURCE_DIR "/scripts/bench-all.sh' > '" + results.string() +
                          ".log' 2>&1";
  fs::create_directories(results);
  int rc = std::system(cmd.c_str());
  std::ifstream log(results.string() + ".log");
  std::stringstream ss;
  ss << log.rdbuf();
  ASSERT_EQ(rc, 0) << ss.str();
  const fs::path run = fs::canonical(results / "latest");
  auto ok = lab::read_json_file((run / "epoll.json").string());
  EXPECT_EQ(ok["status"], "ok");
  EXPECT_EQ(ok["server"]["stop"], "graceful");
  EXPECT_EQ(ok["server"]["leftover_processes"], 0);
  EXPECT_EQ(ok["server"]["ready_line"].get<std::string>().rfind("listening 127.0.0.1:", 0), 0u) << ok["server"];
  EXPECT_NE(ok["server"]["args"].get<std::string>().find("--model epoll"), std::string::npos) << "what reproduces it";
  EXPECT_GT(ok["summary"]["requests"].get<int>(), 0);
  // the machine's costs measured first, beside the run, and recorded in its environment
  EXPECT_TRUE(fs::exists(run / "calibration.json")) << ss.str();
  EXPECT_NE(ss.str().find("bench-all: this machine's costs (make calibrate): fork+exit+wait"), std::string::npos)
      << ss.str();
  ASSERT_TRUE(ok["environment"].contains("calibration")) << ok["environment"];
  EXPECT_GT(ok["environment"]["calibration"]["median_us"]["fork_exit_wait"].get<double>(), 0);
  auto bad = lab::read_json_file((run / "nosuchmodel.json").string());
  EXPECT_EQ(bad["status"], "server_failed");
  EXPECT_NE(bad["error"].get<std::string>().find("exited with code 2"), std::string::npos);
  EXPECT_TRUE(fs::exists(run / "summary.md"));
  EXPECT_TRUE(fs::exists(run / "report.html"));
  EXPECT_TRUE(fs::exists(run / "epoll_stats.csv"));
  EXPECT_NE(ss.str().find("| nosuchmodel |"), std::string::npos) << ss.str();
  EXPECT_NE(ss.str().find("bench-all: live view of the whole job at http://127.0.0.1:"), std::string::npos) << ss.str();
  EXPECT_TRUE(descendants(getpid()).empty()) << "bench-all left processes behind (the live hub too)";
  fs::remove_all(results);
  fs::remove(results.string() + ".log");
}

// REPEAT=2: two rounds, each running every model once; each model's runs land in repeats/ and
// are folded into one result carrying the median, min and max of every metric.
TEST(BenchAll, RepeatsAreInterleavedAndAggregated) {
  become_subreaper();
  const fs::path results = fs::temp_directory_path() / ("loadlab-bench-rep-" + std::to_string(getpid()));
  fs::remove_all(results);
  fs::create_directories(results);
  const std::string cmd = "PROFILE=quick MODELS='epoll poll' REPEAT=2 BUILD='" BUILD_DIR "' RESULTS='" +
                          results.string() + "' bash '" SOURCE_DIR "/scripts/bench-all.sh' > '" + results.string() +
                          ".log' 2>&1";
  int rc = std::system(cmd.c_str());
  std::ifstream log(results.string() + ".log");
  std::stringstream ss;
  ss << log.rdbuf();
  ASSERT_EQ(rc, 0) << ss.str();
  const std::string out = ss.str();
  // interleaved: epoll r1, poll r1, epoll r2, poll r2
  const auto e1 = out.find("[1/2 r1/2] epoll"), p1 = out.find("[2/2 r1/2] poll"), e2 = out.find("[1/2 r2/2] epoll");
  ASSERT_NE(e1, std::string::npos) << out;
  EXPECT_LT(e1, p1);
  EXPECT_LT(p1, e2);
  const fs::path run = fs::canonical(results / "latest");
  for (const char* m : {"epoll", "poll"}) {
    EXPECT_TRUE(fs::exists(run / "repeats" / (std::string(m) + ".r1.json")));
    EXPECT_TRUE(fs::exists(run / "repeats" / (std::string(m) + ".r2.json")));
    auto agg = lab::read_json_file((run / (std::string(m) + ".json")).string());
    ASSERT_TRUE(agg.contains("repeats")) << m;
    EXPECT_EQ(agg["repeats"]["count"], 2);
    const auto& rps = agg["repeats"]["metrics"]["rps"];
    EXPECT_EQ(rps["values"].size(), 2u);
    EXPECT_LE(rps["min"].get<double>(), rps["median"].get<double>());
    EXPECT_LE(rps["median"].get<double>(), rps["max"].get<double>());
    EXPECT_TRUE(fs::exists(run / (std::string(m) + "_stats.csv")));
  }
  std::ifstream md(run / "summary.md");
  std::stringstream mds;
  mds << md.rdbuf();
  EXPECT_NE(mds.str().find("each model ran 2 times, interleaved"), std::string::npos) << mds.str();
  EXPECT_TRUE(descendants(getpid()).empty());
  fs::remove_all(results);
  fs::remove(results.string() + ".log");
}
