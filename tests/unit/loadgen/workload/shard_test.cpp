// Shards: found from flags or the launchers' environment, a common start time, and the exact merge.
#include <gtest/gtest.h>

#include <map>

#include "loadgen/pacing/load_model.h"
#include "loadgen/workload/shard.h"
#include "tests/support/result_docs.h"

namespace lab {
namespace {

TEST(Shard, FlagAndMistakes) {
  std::string err;
  auto s = parse_shard("2/3", err);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->index, 2);
  EXPECT_EQ(s->count, 3);
  for (const char* bad : {"3/3", "-1/3", "1", "a/b", "0/0", "1/2x"}) {
    EXPECT_FALSE(parse_shard(bad, err)) << bad;
    EXPECT_NE(err.find("0 <= I < N"), std::string::npos) << err;
  }
}

TEST(Shard, FromTheLaunchersEnvironment) {
  std::map<std::string, std::string> env;
  auto get = [&](const char* k) -> const char* {
    auto it = env.find(k);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  std::string err;
  EXPECT_FALSE(shard_from_environment(get, 0, err));
  EXPECT_EQ(err, "") << "no launcher: not sharded, no error";
  env["JOB_COMPLETION_INDEX"] = "4";
  EXPECT_FALSE(shard_from_environment(get, 0, err));
  EXPECT_NE(err.find("--shard-count"), std::string::npos) << "an Indexed Job gives only the index";
  auto k = shard_from_environment(get, 5, err);
  ASSERT_TRUE(k);
  EXPECT_EQ(k->index, 4);
  EXPECT_EQ(k->count, 5);
  EXPECT_EQ(k->source, "JOB_COMPLETION_INDEX");
  EXPECT_FALSE(shard_from_environment(get, 4, err)) << "index 4 of 4 is out of range";
  env.clear();
  env["SLURM_PROCID"] = "1";
  env["SLURM_NTASKS"] = "3";
  auto slurm = shard_from_environment(get, 0, err);
  ASSERT_TRUE(slurm);
  EXPECT_EQ(slurm->index, 1);
  EXPECT_EQ(slurm->count, 3);
  env.clear();
  env["OMPI_COMM_WORLD_RANK"] = "0";
  env["OMPI_COMM_WORLD_SIZE"] = "2";
  EXPECT_EQ(shard_from_environment(get, 0, err)->count, 2);
  env.clear();
  env["PMI_RANK"] = "7";
  env["PMI_SIZE"] = "8";
  EXPECT_EQ(shard_from_environment(get, 0, err)->index, 7);
}

TEST(Shard, StartAtInRfc3339OrUnixSeconds) {
  std::string err;
  auto at = [&](const std::string& s) {
    auto t = parse_start_at(s, err);
    EXPECT_TRUE(t) << s << ": " << err;
    return t ? epoch_seconds(*t) : -1.0;
  };
  EXPECT_DOUBLE_EQ(at("2026-11-27T09:00:00Z"), 1795770000.0);
  EXPECT_DOUBLE_EQ(at("2026-11-27T10:00:00+01:00"), 1795770000.0);
  EXPECT_DOUBLE_EQ(at("2026-11-27T08:30:00-00:30"), 1795770000.0);
  EXPECT_NEAR(at("2026-11-27T09:00:00.25Z"), 1795770000.25, 1e-6);
  EXPECT_DOUBLE_EQ(at("2000-02-29T23:59:59Z"), 951868799.0);
  EXPECT_NEAR(at("1795770000.5"), 1795770000.5, 1e-6);
  for (const char* bad : {"tomorrow", "2026-13-01T00:00:00Z", "2026-11-27 09:00:00Z", "2026-11-27T09:00:00",
                          "2026-11-27T09:00:00+0100"}) {
    EXPECT_FALSE(parse_start_at(bad, err)) << bad;
    EXPECT_NE(err.find("RFC 3339"), std::string::npos);
  }
}

}  // namespace
}  // namespace lab

namespace lab {
namespace {

// The union of the shards is the single process's workload: every user exactly once, under its
// global number, with the same random stream (so the same think times) whatever N is.
TEST(Shard, ShardsSplitTheUsersAndKeepEachOnesStream) {
  Workload w;
  w.users = 10;
  w.wait_min_s = 1;
  w.wait_max_s = 5;
  auto think_times = [](const Workload& wl, int k) {
    Rng rng(wl.user_seed(k));
    auto p = load_model(LoadMode::kUsers).pacing(wl, wl.stages, k, rng);
    std::vector<double> out;
    PaceClock::time_point t{};
    for (int i = 0; i < 5; ++i) {
      const auto next = p->next(t, t);
      out.push_back(std::chrono::duration<double>(next - t).count());
      t = next;
    }
    return out;
  };
  std::map<int, std::vector<double>> single;
  for (int j = 0; j < w.own_users(); ++j) single[w.user_number(j)] = think_times(w, w.user_number(j));
  ASSERT_EQ(single.size(), 10u);
  std::map<int, int> seen;
  for (int i = 0; i < 3; ++i) {
    Workload s = w;
    s.shard_index = i;
    s.shard_count = 3;
    for (int j = 0; j < s.own_users(); ++j) {
      const int k = s.user_number(j);
      EXPECT_EQ(k % 3, i);
      ++seen[k];
      EXPECT_EQ(think_times(s, k), single[k]) << "user " << k << " thinks the same in shard " << i;
    }
  }
  ASSERT_EQ(seen.size(), 10u);
  for (const auto& [k, n] : seen) EXPECT_EQ(n, 1) << "user " << k;
  Workload last = w;
  last.shard_index = 3;
  last.shard_count = 4;
  EXPECT_EQ(last.own_users(), 2);  // users 3 and 7
}

}  // namespace
}  // namespace lab
