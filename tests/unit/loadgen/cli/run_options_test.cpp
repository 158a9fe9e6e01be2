// loadgen run's command line (cli/run_options.cpp): each flag set applies what it was given,
// in the order the others depend on, and a mistake names its flag with exit 2.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "loadgen/cli/command_line.h"
#include "loadgen/cli/run.h"

namespace lab {
namespace {

struct Parsed {
  std::optional<RunCommand> cmd;
  int code = -1;
  std::string err;
};

Parsed parse(std::vector<std::string> args) {
  args.insert(args.begin(), "loadgen");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  Parsed p;
  testing::internal::CaptureStderr();
  testing::internal::CaptureStdout();
  p.cmd = parse_run_options(static_cast<int>(argv.size()), argv.data(), p.code);
  testing::internal::GetCapturedStdout();
  p.err = testing::internal::GetCapturedStderr();
  return p;
}

TEST(RunOptions, EachConcernAppliesItsFlags) {
  const Parsed p = parse({"-H", "http://127.0.0.1:8080", "-u", "3", "--threads", "8", "-t", "5s", "--rate", "100",
                          "--threshold", "p99<5ms", "--abort-after", "0", "--progress", "never", "--shard", "1/2"});
  ASSERT_TRUE(p.cmd) << p.err;
  const Workload& w = p.cmd->settings.workload;
  EXPECT_EQ(w.mode, LoadMode::kRate);              // load
  EXPECT_EQ(w.run_time, std::chrono::seconds(5));  // load
  EXPECT_EQ(w.shard_index, 1);                     // distribution
  EXPECT_EQ(w.threads, 1) << "shard 1 of 2 of 3 users runs one user: one thread";
  EXPECT_EQ(p.cmd->settings.thresholds.size(), 1u);           // judgement
  EXPECT_EQ(p.cmd->settings.abort_after.count(), 0);          // judgement
  EXPECT_EQ(p.cmd->settings.progress, ProgressMode::kNever);  // outputs
}

TEST(RunOptions, AMistakeNamesItsFlagWithExitTwo) {
  for (const auto& [args, flag] :
       std::vector<std::pair<std::vector<std::string>, std::string>>{{{"--run-time", "soon"}, "--run-time"},
                                                                     {{"--max", "--rate", "5"}, "--max and --rate"},
                                                                     {{"--progress", "sometimes"}, "--progress"},
                                                                     {{"--abort-on-fail"}, "--abort-on-fail"},
                                                                     {{"--shard", "3/2"}, "--shard"},
                                                                     {{"--live-linger", "5m"}, "--live-linger"},
                                                                     {{"--csv", "-"}, "--csv"},
                                                                     {{"--no-such-flag"}, "no-such-flag"}}) {
    std::vector<std::string> a = {"-H", "http://127.0.0.1:8080"};
    a.insert(a.end(), args.begin(), args.end());
    const Parsed p = parse(a);
    EXPECT_FALSE(p.cmd) << flag;
    EXPECT_EQ(p.code, 2) << flag;
    EXPECT_NE(p.err.find(flag), std::string::npos) << p.err;
    EXPECT_NE(p.err.find("(see loadgen --help)"), std::string::npos) << p.err;
  }
}

TEST(RunOptions, HelpEndsTheCommandWithZero) {
  const Parsed p = parse({"--help"});
  EXPECT_FALSE(p.cmd);
  EXPECT_EQ(p.code, 0);
}

TEST(CommandLine, EveryCommandWordsItsMistakesAlike) {
  testing::internal::CaptureStderr();
  EXPECT_EQ(CommandLine("merge").usage("--json MERGED.json is required"), 2);
  EXPECT_EQ(CommandLine("merge").error("cannot read x.json", 4), 4);
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(err,
            "loadgen merge: --json MERGED.json is required\n(see loadgen merge --help)\n"
            "loadgen merge: cannot read x.json\n");
}

// --out: the table's outputs, the flags as their shorthands, a shard's labels, and each mistake
// named with its flag.
TEST(RunOptions, OutputsComeFromTheTableAndTheFlagsAreTheirShorthands) {
  const Parsed p =
      parse({"-H", "http://127.0.0.1:8080", "-t", "5s", "-u", "6", "--out", "json=/tmp/x.json", "--out", "csv=/tmp/x",
             "--out", "live=0", "--out", "prometheus=http://127.0.0.1:9090,label.model=epoll", "--shard", "2/3",
             "--run-id", "r7", "--out-required"});
  ASSERT_TRUE(p.cmd) << p.err;
  EXPECT_EQ(p.cmd->out.json_path, "/tmp/x.json");
  EXPECT_EQ(p.cmd->out.csv_prefix, "/tmp/x");
  ASSERT_TRUE(p.cmd->live.has_value()) << "--out live=0 serves the live view, as --live 0";
  ASSERT_EQ(p.cmd->out.pushes.size(), 1u);
  const PushOptions& o = p.cmd->out.pushes[0];
  EXPECT_EQ(o.testid, "r7") << "a shard's testid is its distributed run's";
  EXPECT_EQ(o.labels, (Labels{{"model", "epoll"}, {"shard", "2"}}));
  EXPECT_TRUE(p.cmd->out.required);

  for (const auto& [args, says] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--json", "/tmp/a.json", "--out", "json=/tmp/b.json"}, "--out json: given twice (with --json)"},
           {{"--live", "0", "--out", "live=0"}, "--out live: given twice (with --live)"},
           {{"--out", "statsd=udp://x"}, "--out: 'statsd' is not an output"},
           {{"--out-required"}, "--out-required: only with a pushing output"}}) {
    std::vector<std::string> a = {"-H", "http://127.0.0.1:8080", "-t", "5s"};
    a.insert(a.end(), args.begin(), args.end());
    const Parsed bad = parse(a);
    EXPECT_FALSE(bad.cmd);
    EXPECT_EQ(bad.code, 2);
    EXPECT_NE(bad.err.find(says), std::string::npos) << bad.err;
  }
}

}  // namespace
}  // namespace lab
