// loadgen end to end against our server: the three load models, interruption, preflight, CLI
// mistakes and CSV output. Faults (servers that refuse, reset, stall, die) are in
// loadgen_faults_test.cpp.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/output_file.h"
#include "common/result.h"
#include "tests/support/loadgen_run.h"
#include "tests/support/process.h"

using namespace labtest;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

TEST(Loadgen, UsersModeAgainstOurServerCountsAddUp) {
  ServerProcess s("epoll");
  auto j = run_loadgen({"-H", url(s.port()), "-u", "50", "-r", "100", "-t", "3s", "--wait-min", "0.05", "--wait-max",
                        "0.1", "--label", "epoll"},
                       tmp_json("users"));
  expect_consistent(j);
  EXPECT_EQ(j["label"], "epoll");
  EXPECT_EQ(j["workload"]["mode"], "users");
  EXPECT_GT(j["summary"]["requests"].get<int>(), 500);
  EXPECT_EQ(j["summary"]["failures"].get<int>(), 0);
  EXPECT_EQ(j["series"].size(), 3u);
  // 50 users waiting 75 ms on average for 3 s: fidelity against the ideal schedule
  EXPECT_GT(j["summary"]["schedule_fidelity"].get<double>(), 0.8);
  EXPECT_EQ(s.stop().code, 0);
}

TEST(Loadgen, MaxAndRateModesWithKeepAlive) {
  ServerProcess s("epoll", {"--protocol", "http11"});
  auto m = run_loadgen({"-H", url(s.port()), "-u", "4", "--max", "--keepalive", "-t", "2s"}, tmp_json("max"));
  expect_consistent(m);
  EXPECT_EQ(m["workload"]["mode"], "max");
  EXPECT_TRUE(m["summary"]["ideal_requests"].is_null());
  EXPECT_GT(m["summary"]["requests"].get<int>(), 1000);
  // auto: the ring for every load mode where the kernel gives one
  EXPECT_EQ(m["environment"]["client_io"], expected_client_io());
  auto r = run_loadgen({"-H", url(s.port()), "-u", "4", "--rate", "200", "-t", "2s", "--poisson"}, tmp_json("rate"));
  expect_consistent(r);
  EXPECT_EQ(r["workload"]["mode"], "rate");
  EXPECT_NEAR(r["summary"]["schedule_fidelity"].get<double>(), 1.0, 0.25);
  EXPECT_TRUE(r.contains("uncorrected"));
  EXPECT_EQ(r["environment"]["client_io"], expected_client_io());
  EXPECT_EQ(s.stop().code, 0);
}

// Both client paths, chosen on the command line, against responses that take many reads each,
// with many users reading at once (on the ring each user's reads go into its own buffer, since
// the others' receives are in the kernel meanwhile): every response whole, and the run names the
// path that measured it.
TEST(Loadgen, EachClientPathReadsLongResponsesWholeAndNamesItself) {
  constexpr int kBody = 100000;
  ServerProcess s("epoll", {"--protocol", "http11", "--body-bytes", std::to_string(kBody)});
  for (const std::string io : {"uring", "sockets"}) {
    int code = -1;
    const auto j = run_loadgen({"-H", url(s.port()), "-u", "20", "--max", "--keepalive", "-t", "2s", "--client-io", io},
                               tmp_json("paths-" + io), &code);
    EXPECT_EQ(code, 0) << io;
    expect_consistent(j);
    EXPECT_EQ(j["environment"]["client_io"], io == "uring" ? "io_uring" : "sockets");
    const auto successes = j["summary"]["successes"].get<std::uint64_t>();
    EXPECT_GT(successes, 100u) << io;
    EXPECT_EQ(j["summary"]["failures"].get<std::uint64_t>(), 0u) << io;
    EXPECT_EQ(j["summary"]["bytes_received"].get<std::uint64_t>(), successes * kBody) << io;
  }
  EXPECT_EQ(s.stop().code, 0);
}

// A paced user's receive on the ring does not wake the thread when its response arrives (it is
// reaped at the thread's next wakeup for anything else): with one user there is nothing else,
// and its allowance's timer must reap it, every time, or the user waits until its timeout.
TEST(Loadgen, APacedUserOnTheRingIsResumedWithNothingElseToWakeIt) {
  ServerProcess s("epoll", {"--protocol", "http11"});
  for (const std::vector<std::string>& pace : {std::vector<std::string>{"--rate", "20"},
                                               std::vector<std::string>{"--wait-min", "0.05", "--wait-max", "0.05"}}) {
    std::vector<std::string> args = {"-H", url(s.port()), "-u", "1",           "--keepalive", "-t",
                                     "2s", "--timeout",   "1s", "--client-io", "uring"};
    args.insert(args.end(), pace.begin(), pace.end());
    int code = -1;
    const auto j = run_loadgen(args, tmp_json("paced-ring"), &code);
    ASSERT_FALSE(j.is_null()) << pace[0];
    EXPECT_EQ(code, 0) << pace[0];
    expect_consistent(j);
    EXPECT_EQ(j["environment"]["client_io"], "io_uring");
    EXPECT_EQ(j["summary"]["failures"].get<std::uint64_t>(), 0u) << pace[0] << ": " << j["errors"].dump();
    // 40 due at 20/s; a think time of 50 ms after each response: at most 40, and each response
    // reaped late would push the rest later (its wait starts at its arrival, not at its reap)
    EXPECT_GE(j["summary"]["successes"].get<std::uint64_t>(), 36u) << pace[0];
    EXPECT_LT(j["summary"]["max_ms"].get<double>(), 500.0) << pace[0];
  }
  EXPECT_EQ(s.stop().code, 0);
}

TEST(Loadgen, InterruptStillWritesAResultMarkedInterrupted) {
  ServerProcess s("epoll");
  const std::string json = tmp_json("interrupt");
  Process p({LOADGEN_BIN, "-H", url(s.port()), "-u", "10", "-t", "30s", "--wait-min", "0.05", "--wait-max", "0.1",
             "--json", json, "-q"});
  std::this_thread::sleep_for(1500ms);
  p.signal(SIGINT);
  ExitStatus st = p.wait(15s);
  EXPECT_EQ(st.code, 130);
  auto j = lab::read_json_file(json);
  fs::remove(json);
  expect_consistent(j);
  EXPECT_TRUE(j["interrupted"].get<bool>());
  EXPECT_LT(j["summary"]["duration_s"].get<double>(), 10.0);
  EXPECT_GT(j["summary"]["requests"].get<int>(), 0);
  EXPECT_EQ(s.stop().code, 0);
}

TEST(Loadgen, PreflightRefusesARunTheFdLimitCannotHold) {
  int code = -1;
  std::string err;
  auto j = run_loadgen({"-H", "http://127.0.0.1:9", "-u", "50000", "-t", "1s"}, tmp_json("fds"), &code, &err);
  EXPECT_TRUE(j.is_null());
  EXPECT_EQ(code, 3);
  EXPECT_NE(err.find("file descriptors"), std::string::npos) << err;
  EXPECT_NE(err.find("Fix:"), std::string::npos) << err;
}

TEST(Loadgen, CliMistakesNameTheFlag) {
  struct Case {
    std::vector<std::string> args;
    std::string expect;
  };
  std::vector<Case> cases = {{{"-u", "5"}, "--host is required"},
                             {{"-H", "ftp://x"}, "--host"},
                             {{"-H", "http://127.0.0.1:80", "-t", "soon"}, "--run-time"},
                             {{"-H", "http://127.0.0.1:80", "--wait-min", "5", "--wait-max", "1"}, "--wait-min"},
                             {{"-H", "http://127.0.0.1:80", "--max", "--rate", "5"}, "--max and --rate"},
                             {{"-H", "http://127.0.0.1:80", "-u", "0"}, "--users"},
                             {{"-H", "http://127.0.0.1:80", "--client-io", "fast"}, "--client-io"},
                             {{"-H", "https://127.0.0.1:80", "--client-io", "uring"}, "--client-io uring"}};
  for (const auto& c : cases) {
    std::vector<std::string> argv = {LOADGEN_BIN};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    Process p(argv);
    EXPECT_EQ(p.wait(10s).code, 2);
    EXPECT_NE(p.err().find(c.expect), std::string::npos) << p.err();
  }
}

TEST(Loadgen, LocustCsvFilesAreWritten) {
  ServerProcess s("epoll");
  const std::string prefix = (fs::temp_directory_path() / ("loadlab-csv-" + std::to_string(getpid()))).string();
  auto j = run_loadgen(
      {"-H", url(s.port()), "-u", "5", "-t", "2s", "--wait-min", "0.05", "--wait-max", "0.1", "--csv", prefix},
      tmp_json("csv"));
  expect_consistent(j);
  EXPECT_TRUE(fs::exists(prefix + "_stats.csv"));
  EXPECT_TRUE(fs::exists(prefix + "_stats_history.csv"));
  fs::remove(prefix + "_stats.csv");
  fs::remove(prefix + "_stats_history.csv");
  EXPECT_EQ(s.stop().code, 0);
}

// Rate mode with --spawn-rate: each connection's schedule starts when it is spawned, and the
// ideal count follows (against a perfect server it showed 70%).
TEST(Loadgen, RateWithASpawnRateKeepsItsScheduleExactly) {
  ServerProcess s("epoll");
  int code = -1;
  const auto j = run_loadgen({"-H", url(s.port()), "--rate", "200", "-u", "20", "-r", "10", "-t", "4s", "--keepalive"},
                             tmp_json("rate-spawn"), &code);
  EXPECT_EQ(code, 0);
  expect_consistent(j);
  const double fidelity = j["summary"]["schedule_fidelity"].get<double>();
  EXPECT_NEAR(fidelity, 1.0, 0.03) << "ideal " << j["summary"]["ideal_requests"] << ", sent "
                                   << j["summary"]["requests"];
  EXPECT_EQ(s.stop().code, 0);
}

// Users with narrow think times over a long time: the ideal count is right (the old fixed grid
// collapsed it to 2 per user: fidelity 55,950%, and --threshold fidelity>99% passed).
TEST(Loadgen, NarrowThinkTimesHaveTheRightIdealCount) {
  ServerProcess s("epoll");
  const auto j = run_loadgen({"-H", url(s.port()), "-u", "5", "-t", "3s", "--wait-min", "0.010", "--wait-max", "0.011",
                              "--threshold", "fidelity<101%"},
                             tmp_json("narrow"));
  expect_consistent(j);
  // The ideal takes responses as instant and wake-ups as punctual; each cycle here is a response,
  // a 10.5 ms mean wait and the client's lateness in waking from it, so the fidelity to expect is
  // 10.5 / (10.5 + the mean response time + the mean lag): 0.98 in the optimised build, 0.80-0.90
  // under ASan, whose client takes 0.7-1.5 ms a request and wakes late.
  double lag_ms = 0, weight = 0;
  for (const auto& p : j["series"]) {
    lag_ms += p["lag_avg_ms"].get<double>() * p["requests"].get<double>();
    weight += p["requests"].get<double>();
  }
  ASSERT_GT(weight, 0);
  const double expected = 10.5 / (10.5 + j["summary"]["avg_ms"].get<double>() + lag_ms / weight);
  EXPECT_NEAR(j["summary"]["schedule_fidelity"].get<double>(), expected, 0.05)
      << "mean lag " << lag_ms / weight << " ms; " << j["summary"].dump();
  EXPECT_TRUE(j["thresholds"][0]["held"].get<bool>());
  EXPECT_EQ(s.stop().code, 0);
}

// The seed protocol's answer to HEAD has no body, so loadgen -X HEAD against the default
// server succeeds (every request failed as "bytes after the response").
TEST(Loadgen, HeadAgainstTheSeedProtocolSucceeds) {
  ServerProcess s("epoll");
  int code = -1;
  const auto j =
      run_loadgen({"-H", url(s.port()), "-u", "2", "-t", "1s", "--max", "-X", "HEAD"}, tmp_json("head-seed"), &code);
  EXPECT_EQ(code, 0);
  expect_consistent(j);
  EXPECT_EQ(j["summary"]["failures"], 0) << j["errors"].dump();
  EXPECT_GT(j["summary"]["successes"].get<int>(), 10);
  EXPECT_EQ(s.stop().code, 0);
}

// Locust's wait shapes on the wire: pacing starts a request every period whatever the server
// takes (a 40 ms backend wait inside a 200 ms period), constant waits after each response, and
// each keeps its ideal schedule (fidelity computed for the shape).
TEST(Loadgen, WaitShapesKeepTheirSchedules) {
  ServerProcess s("epoll", {"--io-wait-ms", "40"});
  const auto pacing =
      run_loadgen({"-H", url(s.port()), "-u", "5", "-t", "2s", "--wait", "pacing:200ms"}, tmp_json("wait-pacing"));
  expect_consistent(pacing);
  EXPECT_EQ(pacing["workload"]["wait"], "pacing:200ms");
  // 5 users x (at 0, 0.2, ..., 1.8 s: 10 starts before the end)
  EXPECT_GE(pacing["summary"]["requests"].get<int>(), 45) << pacing["summary"].dump();
  EXPECT_LE(pacing["summary"]["requests"].get<int>(), 50);
  EXPECT_NEAR(pacing["summary"]["schedule_fidelity"].get<double>(), 1.0, 0.1) << pacing["summary"].dump();
  // constant 200 ms after a 40 ms response: a start every ~240 ms, fewer than pacing's
  const auto constant =
      run_loadgen({"-H", url(s.port()), "-u", "5", "-t", "2s", "--wait", "constant:200ms"}, tmp_json("wait-constant"));
  expect_consistent(constant);
  EXPECT_LT(constant["summary"]["requests"].get<int>(), pacing["summary"]["requests"].get<int>());
  EXPECT_GE(constant["summary"]["requests"].get<int>(), 5 * 8);
  int code = -1;
  std::string err;
  run_loadgen({"-H", url(s.port()), "-t", "1s", "--wait", "pacing:5s", "--wait-max", "3"}, tmp_json("wait-both"), &code,
              &err);
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("--wait and --wait-max exclude each other"), std::string::npos) << err;
  run_loadgen({"-H", url(s.port()), "-t", "1s", "--wait", "steady:5s"}, tmp_json("wait-bad"), &code, &err);
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("--wait: 'steady:5s': unknown wait shape"), std::string::npos) << err;
  EXPECT_EQ(s.stop().code, 0);
}
