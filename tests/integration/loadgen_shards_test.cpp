// Shards on one machine: N loadgen processes started together (--start-at) each run their part
// of one workload; `loadgen merge` makes one result whose counts are the shards' sums, whose
// ideal schedule is the single process's, and which names a shard that was killed.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/output_file.h"
#include "tests/support/loadgen_run.h"
#include "tests/support/process.h"

using namespace labtest;
using namespace std::chrono_literals;

namespace {

std::string start_in(double seconds) {
  const double t = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count() + seconds;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", t);
  return buf;
}

struct Shards {
  std::vector<std::unique_ptr<Process>> procs;
  std::vector<std::string> files;
};

Shards start_shards(int n, const std::vector<std::string>& workload, const std::string& name) {
  Shards s;
  const std::string at = start_in(1.5);
  for (int i = 0; i < n; ++i) {
    s.files.push_back(tmp_json(name + "-shard" + std::to_string(i)));
    std::remove(s.files.back().c_str());
    std::vector<std::string> argv = {LOADGEN_BIN,    "--shard", std::to_string(i) + "/" + std::to_string(n),
                                     "--start-at",   at,        "--json",
                                     s.files.back(), "-q"};
    argv.insert(argv.end(), workload.begin(), workload.end());
    s.procs.push_back(std::make_unique<Process>(argv));
  }
  return s;
}

nlohmann::json merge(const std::vector<std::string>& files, int* code, std::string* err) {
  const std::string out = tmp_json("merged");
  std::vector<std::string> argv = {LOADGEN_BIN, "merge"};
  argv.insert(argv.end(), files.begin(), files.end());
  argv.insert(argv.end(), {"--json", out});
  Process p(argv);
  const auto st = p.wait(30s);
  *code = st.code;
  *err = p.err();
  nlohmann::json j;
  try {
    j = lab::read_json_file(out);
  } catch (const std::exception&) {
  }
  std::remove(out.c_str());
  return j;
}

// Rate mode: 6 connections at 300/s for 2 s; three shards of two connections each.
TEST(LoadgenShards, ThreeShardsMergeIntoTheSingleProcessWorkload) {
  ServerProcess server("epoll", {"--protocol", "http11"});
  const std::vector<std::string> workload = {"-H", url(server.port()), "--rate", "300", "-u", "6", "-t",
                                             "2s", "--keepalive"};
  int code = -1;
  std::string err;
  const auto single = run_loadgen(workload, tmp_json("single"), &code, &err);
  ASSERT_EQ(code, 0) << err;
  Shards s = start_shards(3, workload, "rate");
  std::vector<nlohmann::json> parts;
  for (std::size_t i = 0; i < s.procs.size(); ++i) {
    EXPECT_EQ(s.procs[i]->wait(30s).code, 0) << s.procs[i]->err();
    parts.push_back(lab::read_json_file(s.files[i]));
    EXPECT_EQ(parts.back()["shard"]["index"], static_cast<int>(i));
    EXPECT_EQ(parts.back()["summary"]["users_spawned"], 2) << "users u with u mod 3 == i";
    EXPECT_LT(std::abs(parts.back()["shard"]["start_skew_ms"].get<double>()), 100.0) << "started together";
  }
  const auto merged = merge(s.files, &code, &err);
  ASSERT_EQ(code, 0) << err;
  ASSERT_FALSE(merged.is_null());
  expect_consistent(merged);
  std::uint64_t sum = 0;
  for (const auto& p : parts) sum += p["summary"]["requests"].get<std::uint64_t>();
  EXPECT_EQ(merged["summary"]["requests"].get<std::uint64_t>(), sum) << "the merged count is the shards' sum";
  EXPECT_NEAR(merged["summary"]["ideal_requests"].get<double>(), single["summary"]["ideal_requests"].get<double>(),
              1e-6)
      << "the union of the shards is the single process's schedule";
  EXPECT_NEAR(merged["summary"]["requests"].get<double>(), single["summary"]["requests"].get<double>(), 600 * 0.03);
  EXPECT_FALSE(merged["shard"]["partial"].get<bool>());
  for (const auto& f : s.files) std::remove(f.c_str());
}

// Users mode: 10 users spawned at 20/s think 0.1-0.2 s; shard i gets users i, i+3, ... at their
// global spawn times, so the ideal schedule (from the spawn times) adds up to the single one.
TEST(LoadgenShards, UsersKeepTheirGlobalSpawnTimes) {
  ServerProcess server("epoll");
  const std::vector<std::string> workload = {"-H", url(server.port()), "-u",  "10",         "-r", "20", "-t",
                                             "2s", "--wait-min",       "0.1", "--wait-max", "0.2"};
  int code = -1;
  std::string err;
  const auto single = run_loadgen(workload, tmp_json("single-users"), &code, &err);
  ASSERT_EQ(code, 0) << err;
  Shards s = start_shards(3, workload, "users");
  double ideal = 0;
  const int expect_users[] = {4, 3, 3};
  for (std::size_t i = 0; i < s.procs.size(); ++i) {
    EXPECT_EQ(s.procs[i]->wait(30s).code, 0) << s.procs[i]->err();
    const auto p = lab::read_json_file(s.files[i]);
    EXPECT_EQ(p["summary"]["users_spawned"], expect_users[i]);
    ideal += p["summary"]["ideal_requests"].get<double>();
  }
  EXPECT_NEAR(ideal, single["summary"]["ideal_requests"].get<double>(), 1e-6);
  for (const auto& f : s.files) std::remove(f.c_str());
}

TEST(LoadgenShards, AKilledShardMakesTheMergePartialAndIsNamed) {
  ServerProcess server("epoll", {"--protocol", "http11"});
  Shards s = start_shards(3, {"-H", url(server.port()), "--rate", "90", "-u", "3", "-t", "3s", "--keepalive"}, "kill");
  std::this_thread::sleep_for(2500ms);  // 1.5 s to the start, then a second of running
  s.procs[2]->signal(SIGKILL);
  for (auto& p : s.procs) p->wait(30s);
  int code = -1;
  std::string err;
  const auto merged = merge({s.files[0], s.files[1]}, &code, &err);
  EXPECT_EQ(code, 1) << "partial: " << err;
  EXPECT_NE(err.find("shard 2 missing"), std::string::npos) << err;
  ASSERT_FALSE(merged.is_null());
  EXPECT_TRUE(merged["shard"]["partial"].get<bool>());
  EXPECT_EQ(merged["shard"]["missing"], nlohmann::json::array({2}));
  for (const auto& f : s.files) std::remove(f.c_str());
}

TEST(LoadgenShards, MistakesNameTheFlagOrTheFile) {
  int code = -1;
  std::string err;
  run_loadgen({"-H", "http://127.0.0.1:1/", "--shard", "3/3", "-t", "1s"}, tmp_json("bad"), &code, &err);
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("--shard"), std::string::npos) << err;
  run_loadgen({"-H", "http://127.0.0.1:1/", "--shard", "4/5", "-u", "3", "-t", "1s"}, tmp_json("bad"), &code, &err);
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("leave this shard none"), std::string::npos) << err;
  run_loadgen({"-H", "http://127.0.0.1:1/", "--start-at", "soon", "-t", "1s"}, tmp_json("bad"), &code, &err);
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("--start-at"), std::string::npos) << err;
  run_loadgen({"-H", "http://127.0.0.1:1/", "--shard-count", "3", "-t", "1s"}, tmp_json("bad"), &code, &err);
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("--shard-count"), std::string::npos) << err;
}

}  // namespace

namespace {

std::string rfc3339_in(int seconds) {
  const std::time_t t = std::time(nullptr) + seconds;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

// Interrupted while waiting for --start-at: nothing was sent, the result says so and has no
// negative duration or ideal count, and nothing is blamed on the server.
TEST(LoadgenShards, AnInterruptBeforeTheStartSaysNothingWasSent) {
  ServerProcess s("epoll");
  const std::string json = tmp_json("not-started");
  std::remove(json.c_str());
  Process p({LOADGEN_BIN, "--shard", "0/2", "-u", "4", "-t", "2s", "--start-at", start_in(30), "-H", url(s.port()),
             "--json", json, "-q"});
  std::this_thread::sleep_for(1s);
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(10s).code, 130) << p.err();
  const auto j = lab::read_json_file(json);
  std::remove(json.c_str());
  EXPECT_EQ(j["status"], "not_started");
  EXPECT_NE(j["error"].get<std::string>().find("before the start"), std::string::npos) << j["error"];
  EXPECT_EQ(j["error"].get<std::string>().find("server"), std::string::npos) << j["error"];
  EXPECT_GE(j["summary"]["duration_s"].get<double>(), 0.0);
  EXPECT_TRUE(j["summary"]["ideal_requests"].is_null());
  EXPECT_FALSE(j["shard"]["complete"].get<bool>());
  EXPECT_EQ(s.stop().code, 0);
}

// A shard's load threads are at most its own users (its idle threads diluted the client's CPU
// share), and its per-second history is stamped from its real start, after the --start-at wait.
TEST(LoadgenShards, AShardRunsThreadsForItsOwnUsersAndStampsItsHistoryFromItsStart) {
  ServerProcess s("epoll");
  const std::string at = rfc3339_in(3);
  const std::string prefix = tmp_json("history").substr(0, tmp_json("history").size() - 5);
  auto j = run_loadgen(
      {"--shard",  "0/3", "-u", "2",           "--threads",  "4",    "-t",         "2s",  "--start-at", at,
       "--run-id", "r1",  "-H", url(s.port()), "--wait-min", "0.05", "--wait-max", "0.1", "--csv",      prefix},
      tmp_json("shard-threads"));
  expect_consistent(j);
  EXPECT_EQ(j["workload"]["threads"], 1) << "one of the two users is this shard's";
  EXPECT_EQ(j["client"]["threads"], 1);
  EXPECT_EQ(j["shard"]["run_id"], "r1");
  EXPECT_TRUE(j["shard"]["complete"].get<bool>());
  std::ifstream f(prefix + "_stats_history.csv");
  std::string header, first;
  std::getline(f, header);
  std::getline(f, first);
  const long long stamp = std::stoll(first.substr(0, first.find(',')));
  const double start = j["shard"]["start_epoch_s"].get<double>();
  EXPECT_NEAR(static_cast<double>(stamp), start + 1, 1.01) << first << " (the first second ends a second after "
                                                           << "the start, not the launch)";
  for (const char* suffix : {"_stats.csv", "_stats_history.csv", "_failures.csv", "_exceptions.csv"})
    std::remove((prefix + suffix).c_str());
  EXPECT_EQ(s.stop().code, 0);
}

// merge refuses shards of different runs, names an interrupted one, and exits as a run does.
TEST(LoadgenShards, MergeChecksTheRunAndExitsAsARunDoes) {
  ServerProcess s("epoll");
  std::vector<std::string> files;
  for (int i = 0; i < 2; ++i) {
    files.push_back(tmp_json("merge-exit-" + std::to_string(i)));
    Process p({LOADGEN_BIN, "--shard", std::to_string(i) + "/2", "--run-id", i == 0 ? "run-a" : "run-b", "-u", "2",
               "-t", "1s", "-H", url(s.port()), "--wait-min", "0.05", "--wait-max", "0.1", "--json", files.back(),
               "-q"});
    ASSERT_EQ(p.wait(30s).code, 0) << p.err();
  }
  const std::string merged = tmp_json("merge-exit-merged");
  Process different({LOADGEN_BIN, "merge", files[0], files[1], "--json", merged});
  EXPECT_EQ(different.wait(20s).code, 2);
  EXPECT_NE(different.err().find("different runs"), std::string::npos) << different.err();
  // the same run: merged; a threshold that cannot hold makes it exit 6
  auto doc = lab::read_json_file(files[1]);
  doc["shard"]["run_id"] = "run-a";
  lab::write_json_output(files[1], doc);
  Process judged({LOADGEN_BIN, "merge", files[0], files[1], "--json", merged, "--threshold", "rps>1000000"});
  EXPECT_EQ(judged.wait(20s).code, 6) << judged.err();
  EXPECT_NE(judged.err().find("threshold rps>1000000 FAILED"), std::string::npos) << judged.err();
  doc["interrupted"] = true;
  doc["shard"]["complete"] = false;
  lab::write_json_output(files[1], doc);
  Process partial({LOADGEN_BIN, "merge", files[0], files[1], "--json", merged});
  EXPECT_EQ(partial.wait(20s).code, 1) << partial.err();
  EXPECT_NE(partial.err().find("shard 1 interrupted"), std::string::npos) << partial.err();
  for (const auto& f : files) std::remove(f.c_str());
  std::remove(merged.c_str());
  EXPECT_EQ(s.stop().code, 0);
}
