// Shards on one machine: N loadgen processes started together (--start-at) each run their part
// of one workload; `loadgen merge` makes one result whose counts are the shards' sums, whose
// ideal schedule is the single process's, and which names a shard that was killed.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
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
