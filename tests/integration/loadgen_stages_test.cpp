// Load stages end to end: users ramp up, hold and leave (each finishing its request), the
// open-loop rate follows its ramps; the stages are in the result and visible in the series.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/loadgen_run.h"
#include "tests/support/process.h"

using namespace labtest;

namespace {

// --threads with --stages: the stages set the users after --threads was checked against the
// default one user, so every staged run had one load thread.
TEST(LoadgenStages, StagedRunsUseTheirThreads) {
  ServerProcess server("epoll");
  const auto j = run_loadgen(
      {"-H", url(server.port()), "--stages", "1s:8,1s:8", "--threads", "2", "--wait-min", "0.05", "--wait-max", "0.1"},
      tmp_json("stages-threads"));
  expect_consistent(j);
  EXPECT_EQ(j["workload"]["threads"], 2);
  EXPECT_EQ(j["client"]["threads"], 2);
  EXPECT_EQ(server.stop().code, 0);
}

TEST(LoadgenStages, UsersRampUpHoldAndLeave) {
  ServerProcess server("epoll");
  int code = -1;
  std::string err;
  const auto j =
      run_loadgen({"-H", url(server.port()), "--stages", "1s:20,1s:20,1s:0", "--wait-min", "0.05", "--wait-max", "0.1"},
                  tmp_json("stages-users"), &code, &err);
  ASSERT_EQ(code, 0) << err;
  expect_consistent(j);
  EXPECT_EQ(j["workload"]["stages"].size(), 3u);
  EXPECT_EQ(j["workload"]["stages_target"], "users");
  EXPECT_DOUBLE_EQ(j["workload"]["run_time_s"].get<double>(), 3.0) << "the run lasts the stages";
  const auto& series = j["series"];
  ASSERT_GE(series.size(), 3u);
  EXPECT_GE(series[0]["users"].get<int>(), 18) << "ramped up by the end of the first second";
  EXPECT_GE(series[1]["users"].get<int>(), 18) << "held";
  EXPECT_LE(series[2]["users"].get<int>(), 2) << "left by the end";
  EXPECT_EQ(j["summary"]["failures"], 0) << "users leaving finish their request: nothing is cut off";
  EXPECT_EQ(j["summary"]["users_spawned"], 20) << "the users that ran, not the pool created idle";
  // the ideal schedule follows each user's active time
  EXPECT_GT(j["summary"]["schedule_fidelity"].get<double>(), 0.9);
  EXPECT_LT(j["summary"]["schedule_fidelity"].get<double>(), 1.1);
}

TEST(LoadgenStages, TheOpenLoopRateFollowsItsRamps) {
  ServerProcess server("epoll", {"--protocol", "http11"});
  int code = -1;
  std::string err;
  const auto j = run_loadgen({"-H", url(server.port()), "--rate-stages", "1s:200,1s:200", "-u", "8", "--keepalive"},
                             tmp_json("stages-rate"), &code, &err);
  ASSERT_EQ(code, 0) << err;
  expect_consistent(j);
  EXPECT_EQ(j["workload"]["mode"], "rate");
  EXPECT_EQ(j["workload"]["stages_target"], "rate");
  EXPECT_DOUBLE_EQ(j["summary"]["ideal_requests"].get<double>(), 300.0) << "100 on the ramp, 200 held";
  EXPECT_NEAR(j["summary"]["requests"].get<double>(), 300.0, 6.0);
  ASSERT_GE(j["series"].size(), 2u);
  EXPECT_NEAR(j["series"][0]["requests"].get<double>(), 100.0, 4.0);
  EXPECT_NEAR(j["series"][1]["requests"].get<double>(), 200.0, 4.0);
}

TEST(LoadgenStages, MistakesNameTheFlag) {
  struct Bad {
    std::vector<std::string> args;
    const char* says;
  };
  const Bad cases[] = {
      {{"--stages", "30s"}, "--stages"},
      {{"--stages", "1s:5", "-t", "10s"}, "--run-time"},
      {{"--stages", "1s:5", "--rate", "10"}, "--rate-stages"},
      {{"--stages", "1s:5", "-u", "3"}, "--users"},
      {{"--stages", "1s:5", "--rate-stages", "1s:5"}, "exclude"},
      {{"--rate-stages", "1s:5", "--poisson"}, "--poisson"},
      {{"--stages", "1s:0"}, "nothing would run"},
  };
  for (const auto& c : cases) {
    int code = -1;
    std::string err;
    auto args = c.args;
    args.insert(args.begin(), {"-H", "http://127.0.0.1:1/"});
    run_loadgen(args, tmp_json("bad-stages"), &code, &err);
    EXPECT_EQ(code, 2) << c.args[0];
    EXPECT_NE(err.find(c.says), std::string::npos) << err;
  }
}

}  // namespace
