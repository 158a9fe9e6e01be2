// make bench-all's script: a suite with a model that cannot start still completes, records the
// failure, leaves no process behind, and writes the summary and report.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/result_json.h"
#include "tests/support/process.h"

using namespace labtest;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

TEST(BenchAll, AFailingModelIsRecordedAndTheSuiteCompletes) {
  become_subreaper();
  const fs::path results = fs::temp_directory_path() / ("loadlab-bench-" + std::to_string(getpid()));
  fs::remove_all(results);
  const std::string cmd = "PROFILE=quick MODELS='epoll nosuchmodel' BUILD='" BUILD_DIR "' RESULTS='" + results.string() +
                          "' bash '" SOURCE_DIR "/scripts/bench-all.sh' > '" + results.string() + ".log' 2>&1";
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
  EXPECT_GT(ok["summary"]["requests"].get<int>(), 0);
  auto bad = lab::read_json_file((run / "nosuchmodel.json").string());
  EXPECT_EQ(bad["status"], "server_failed");
  EXPECT_NE(bad["error"].get<std::string>().find("exited with code 2"), std::string::npos);
  EXPECT_TRUE(fs::exists(run / "summary.md"));
  EXPECT_TRUE(fs::exists(run / "report.html"));
  EXPECT_TRUE(fs::exists(run / "epoll_stats.csv"));
  EXPECT_NE(ss.str().find("| nosuchmodel |"), std::string::npos) << ss.str();
  EXPECT_TRUE(descendants(getpid()).empty()) << "bench-all left processes behind";
  fs::remove_all(results);
  fs::remove(results.string() + ".log");
}
