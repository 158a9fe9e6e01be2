// loadgen compare: regressions named by model and metric, beyond the noise only; broken, mismatched
// and one-sided inputs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/output_file.h"
#include "common/result.h"
#include "loadgen/cli/commands.h"
#include "loadgen/output/comparison.h"
#include "loadgen/results/compare.h"
#include "tests/support/result_docs.h"

namespace fs = std::filesystem;

namespace {

struct Dirs {
  fs::path base, cur;
  Dirs() {
    fs::path root = fs::temp_directory_path() / ("loadlab-compare-" + std::to_string(::getpid()) + "-" +
                                                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root);
    base = root / "base";
    cur = root / "cur";
    fs::create_directories(base);
    fs::create_directories(cur);
  }
  ~Dirs() { fs::remove_all(base.parent_path()); }
  void put(const fs::path& dir, const nlohmann::json& doc) {
    lab::write_json_output((dir / (doc["label"].get<std::string>() + ".json")).string(), doc);
  }
};

// Runs `loadgen compare` in-process, returning its exit code and output.
int compare(const std::vector<std::string>& args, std::string* out = nullptr) {
  std::vector<std::string> argv_s = {"compare"};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : argv_s) argv.push_back(s.data());
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  int rc = lab::compare_main(static_cast<int>(argv.size()), argv.data());
  std::string o = ::testing::internal::GetCapturedStdout() + ::testing::internal::GetCapturedStderr();
  if (out) *out = o;
  return rc;
}

}  // namespace

TEST(Compare, NoChangeExitsZero) {
  Dirs d;
  for (auto* dir : {&d.base, &d.cur}) {
    d.put(*dir, labtest::make_result("single", 200, 5));
    d.put(*dir, labtest::make_result("select", 300, 1));
  }
  std::string out;
  EXPECT_EQ(compare({d.base.string(), d.cur.string()}, &out), 0) << out;
  EXPECT_NE(out.find("no regression"), std::string::npos);
}

TEST(Compare, ThirtyPercentThroughputDropIsARegressionNamingTheModel) {
  Dirs d;
  d.put(d.base, labtest::make_result("single", 200, 5));
  d.put(d.base, labtest::make_result("select", 300, 1));
  d.put(d.cur, labtest::make_result("single", 200, 5));
  d.put(d.cur, labtest::make_result("select", 210, 1));
  std::string out;
  EXPECT_EQ(compare({d.base.string(), d.cur.string()}, &out), 1);
  EXPECT_NE(out.find("select: REGRESSION"), std::string::npos) << out;
  EXPECT_NE(out.find("single: ok"), std::string::npos) << out;
  EXPECT_EQ(compare({d.base.string(), d.cur.string(), "--max-rps-drop", "40"}), 0);
  EXPECT_EQ(compare({d.base.string(), d.cur.string(), "--format", "markdown"}, &out), 1);
  EXPECT_NE(out.find("| select |"), std::string::npos);
}

TEST(Compare, LatencyAndFailureRegressions) {
  Dirs d;
  d.put(d.base, labtest::make_result("epoll", 300, 2.0, 0));
  d.put(d.cur, labtest::make_result("epoll", 300, 4.0, 0));
  EXPECT_EQ(compare({d.base.string(), d.cur.string()}), 1);
  // a tiny absolute rise is noise, however large in percent
  d.put(d.cur, labtest::make_result("epoll", 300, 2.5, 0));
  EXPECT_EQ(compare({d.base.string(), d.cur.string(), "--min-latency-delta", "1"}), 0);
  d.put(d.cur, labtest::make_result("epoll", 300, 2.0, 20));
  std::string out;
  EXPECT_EQ(compare({d.base.string(), d.cur.string(), "--format", "json"}, &out), 1);
  auto j = nlohmann::json::parse(out);
  EXPECT_TRUE(j["regressed"].get<bool>());
}

TEST(Compare, BrokenJsonExitsTwoNamingTheFile) {
  Dirs d;
  d.put(d.base, labtest::make_result("single", 200, 5));
  std::ofstream(d.cur / "single.json") << "{ not json";
  std::string out;
  EXPECT_EQ(compare({d.base.string(), d.cur.string()}, &out), 2);
  EXPECT_NE(out.find((d.cur / "single.json").string()), std::string::npos) << out;
  EXPECT_EQ(compare({d.base.string(), (d.cur / "missing").string()}), 2);
}

TEST(Compare, MismatchedWorkloadsAreRefusedUnlessForced) {
  Dirs d;
  d.put(d.base, labtest::make_result("single", 200, 5));
  auto other = labtest::make_result("single", 200, 5);
  other["workload"]["users"] = 10000;
  d.put(d.cur, other);
  std::string out;
  EXPECT_EQ(compare({d.base.string(), d.cur.string()}, &out), 2);
  EXPECT_NE(out.find("workloads differ"), std::string::npos) << out;
  EXPECT_EQ(compare({d.base.string(), d.cur.string(), "--force"}), 0);
  auto v1 = labtest::make_result("single", 200, 5);
  v1["schema_version"] = 1;
  d.put(d.cur, v1);
  EXPECT_EQ(compare({d.base.string(), d.cur.string()}, &out), 2);
  EXPECT_NE(out.find("schema versions differ"), std::string::npos) << out;
}

TEST(Compare, OneSidedAndFailedModelsAreShown) {
  Dirs d;
  d.put(d.base, labtest::make_result("single", 200, 5));
  d.put(d.base, labtest::make_result("uring", 300, 1));
  d.put(d.cur, labtest::make_result("single", 200, 5));
  d.put(d.cur, labtest::make_result("asio", 300, 1));
  std::string out;
  EXPECT_EQ(compare({d.base.string(), d.cur.string()}, &out), 0);
  EXPECT_NE(out.find("uring: ok (only in base)"), std::string::npos) << out;
  EXPECT_NE(out.find("asio: ok (only in current)"), std::string::npos) << out;
  nlohmann::json failed = {
      {"schema", lab::kResultSchema}, {"schema_version", 1},           {"label", "single"},
      {"status", "server_failed"},    {"error", "exited with code 1"}, {"workload", nlohmann::json::object()}};
  d.put(d.cur, failed);
  EXPECT_EQ(compare({d.base.string(), d.cur.string()}, &out), 1);
  EXPECT_NE(out.find("failed in current"), std::string::npos) << out;
}

// Results made beside different machine costs say so: a fork four times dearer is the machine's.
TEST(Compare, MachinesWhoseCostsDifferAreNamed) {
  lab::Result a = labtest::make_run("multiprocess", 700, 7);
  lab::Result b = labtest::make_run("multiprocess", 700, 7);
  const std::vector<lab::Result> base = {a}, same = {b};
  EXPECT_EQ(lab::machine_difference(lab::compare_sets(base, same, {}, false)), "") << "no calibration: nothing to say";
  a.environment["calibration"] = {{"median_us", {{"fork_exit_wait", 164.0}, {"context_switch", 2.5}}}};
  b.environment["calibration"] = {{"median_us", {{"fork_exit_wait", 760.0}, {"context_switch", 2.6}}}};
  const std::vector<lab::Result> base2 = {a}, cur2 = {b};
  const auto deltas = lab::compare_sets(base2, cur2, {}, false);
  const std::string note = lab::machine_difference(deltas);
  EXPECT_NE(note.find("fork_exit_wait 164.0 -> 760.0 us"), std::string::npos) << note;
  EXPECT_EQ(note.find("context_switch"), std::string::npos) << "within 25%: " << note;
  EXPECT_NE(lab::format_comparison(deltas, "text", {}).find("Note: the machines' costs differ"), std::string::npos);
  b.environment.erase("calibration");
  const std::vector<lab::Result> cur3 = {b};
  EXPECT_NE(lab::machine_difference(lab::compare_sets(base2, cur3, {}, false)).find("only the base records"),
            std::string::npos);
}

// Two single files with different names are one pair (the documented `compare base.hlog
// current.json`): a 40x p99 rise between them is a regression, not "no regression" of nothing.
// Sets in which no name pairs are refused with the names, exit 2.
TEST(Compare, TwoFilesPairWhateverTheirNamesAndSetsThatPairNothingAreRefused) {
  Dirs d;
  d.put(d.base, labtest::make_result("before", 200, 1));
  d.put(d.cur, labtest::make_result("after", 200, 40));
  std::string out;
  EXPECT_EQ(compare({(d.base / "before.json").string(), (d.cur / "after.json").string()}, &out), 1) << out;
  EXPECT_NE(out.find("before vs after: REGRESSION"), std::string::npos) << out;
  d.put(d.base, labtest::make_result("single", 200, 1));
  d.put(d.cur, labtest::make_result("select", 200, 1));
  EXPECT_EQ(compare({d.base.string(), d.cur.string()}, &out), 2) << out;
  EXPECT_NE(out.find("nothing to compare"), std::string::npos) << out;
}
