// Shards: found from flags or the launchers' environment, a common start time, and the exact merge.
#include <gtest/gtest.h>

#include <map>

#include "loadgen/results/merge.h"
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

Result shard(int index, int count, double rps, double p95_ms, std::uint64_t requests, double start = 1000.0) {
  Result r = labtest::make_run("epoll", rps, p95_ms, 0, requests);
  ShardInfo sh;
  sh.index = index;
  sh.count = count;
  sh.start_epoch_s = start;
  sh.start_skew_ms = index * 1.5;
  r.shard = sh;
  r.path = "shard-" + std::to_string(index) + ".json";
  return r;
}

TEST(Merge, CountsAndHistogramsAddAndPercentilesAreTheUnions) {
  const std::vector<Result> parts = {shard(0, 3, 100, 1.0, 1000), shard(1, 3, 100, 10.0, 1000),
                                     shard(2, 3, 100, 100.0, 2000)};
  const Result m = merge_shards(parts, {"loadgen", "merge"});
  ASSERT_TRUE(m.summary);
  EXPECT_EQ(m.summary->requests, 4000u);
  EXPECT_EQ(m.summary->successes, 4000u);
  EXPECT_EQ(m.summary->status_codes.at(200), 4000u);
  EXPECT_DOUBLE_EQ(*m.summary->ideal_requests, 4000.0);
  EXPECT_DOUBLE_EQ(m.summary->rps, 400.0);
  Histogram expect;
  for (const auto& p : parts) expect.merge(*p.histogram);
  ASSERT_TRUE(m.histogram);
  for (std::size_t i = 0; i < Histogram::bucket_count(); ++i)
    ASSERT_EQ(m.histogram->count_at(i), expect.count_at(i)) << "bucket " << i;
  // Half the requests came from the slow shard: the union's p50 is near its lowest values,
  // far from the average of the shards' medians.
  const double union_p50 = static_cast<double>(expect.percentile(50)) / 1e6;
  EXPECT_DOUBLE_EQ(*m.summary->latency.p(50), union_p50);
  double avg_of_medians = 0;
  for (const auto& p : parts) avg_of_medians += *p.summary->latency.p(50) / 3;
  EXPECT_GT(std::abs(union_p50 - avg_of_medians), 1.0);
  ASSERT_EQ(m.series.size(), 10u);
  EXPECT_EQ(m.series[0].requests, 400u);
  EXPECT_EQ(m.series[0].users, 300);
  ASSERT_TRUE(m.shard);
  EXPECT_EQ(m.shard->index, -1);
  EXPECT_FALSE(m.shard->partial());
  EXPECT_DOUBLE_EQ(*m.shard->start_skew_ms, 3.0);
  EXPECT_EQ(m.status, "ok");
  // and it is an ordinary result: it reads back
  const Result back = result_from_json(to_json(m), "merged.json");
  EXPECT_EQ(back.summary->requests, 4000u);
  EXPECT_EQ(back.shard->count, 3);
}

TEST(Merge, SeriesAlignByWallClockSecond) {
  const Result m = merge_shards({shard(0, 2, 100, 1, 1000, 1000.0), shard(1, 2, 100, 1, 1000, 1002.0)}, {});
  ASSERT_EQ(m.series.size(), 12u) << "the second shard started 2 s later";
  EXPECT_EQ(m.series.front().t, 1);
  EXPECT_EQ(m.series.front().requests, 100u);
  EXPECT_EQ(m.series[2].requests, 200u);
  EXPECT_EQ(m.series.back().t, 12);
}

TEST(Merge, MissingOrFailedShardsMakeItPartialAndAreNamed) {
  Result failed = shard(2, 4, 0, 1, 10);
  failed.status = "failed";
  failed.error = "connection refused";
  const Result m = merge_shards({shard(0, 4, 100, 1, 1000), shard(1, 4, 100, 1, 1000), failed}, {});
  ASSERT_TRUE(m.shard);
  EXPECT_TRUE(m.shard->partial());
  EXPECT_EQ(m.shard->missing, std::vector<int>{3});
  EXPECT_EQ(m.shard->failed, std::vector<int>{2});
  EXPECT_FALSE(m.summary->ideal_requests.has_value()) << "no ideal schedule for a run with a shard missing";
}

TEST(Merge, RefusesWhatIsNotOneRun) {
  auto refused = [](const std::vector<Result>& rs, const std::string& says) {
    try {
      merge_shards(rs, {});
      ADD_FAILURE() << "merged";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
    }
  };
  refused({shard(0, 2, 1, 1, 10), shard(0, 2, 1, 1, 10)}, "appears twice");
  refused({shard(0, 2, 1, 1, 10), shard(1, 3, 1, 1, 10)}, "different runs");
  Result other = shard(1, 2, 1, 1, 10);
  other.workload["users"] = 7;
  refused({shard(0, 2, 1, 1, 10), other}, "different workload than shard-0.json (users)");
  Result plain = labtest::make_run("x", 1, 1);
  plain.path = "plain.json";
  refused({plain}, "not a shard");
  Result threads = shard(1, 2, 1, 1, 10);
  threads.workload["threads"] = 4;
  EXPECT_NO_THROW(merge_shards({shard(0, 2, 1, 1, 10), threads}, {})) << "threads are each shard's own";
}

// Shards of different runs were merged (exit 0): the run id tells, and without one the start
// times do; an interrupted shard counted as complete; failed thresholds never changed the exit.
TEST(Merge, ShardsOfDifferentRunsAreRefusedAndIncompleteOnesMakeItPartial) {
  auto refused = [](const std::vector<Result>& rs, const std::string& says) {
    try {
      merge_shards(rs, {});
      ADD_FAILURE() << "merged";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
    }
  };
  Result a = shard(0, 2, 10, 1, 100), b = shard(1, 2, 10, 1, 100);
  a.shard->run_id = "run-1";
  b.shard->run_id = "run-2";
  refused({a, b}, "belongs to run 'run-2'");
  Result c = shard(0, 2, 10, 1, 100, 1000.0), d = shard(1, 2, 10, 1, 100, 1000.0 + 86400);  // a day apart
  refused({c, d}, "started 86400 s apart");
  Result e = shard(0, 2, 10, 1, 100), f = shard(1, 2, 10, 1, 100);
  f.interrupted = true;
  f.shard->complete = false;
  const Result m = merge_shards({e, f}, {});
  EXPECT_TRUE(m.shard->partial());
  EXPECT_EQ(m.shard->incomplete, std::vector<int>{1});
  EXPECT_EQ(merge_exit_code(m), 1);
  // thresholds are judged on the union and decide the exit code as for a run
  std::string err;
  const auto spec = parse_threshold("p50<0.5ms", err);
  ASSERT_TRUE(spec) << err;
  const Result judged = merge_shards({shard(0, 2, 10, 1, 100), shard(1, 2, 10, 1, 100)}, {}, {*spec});
  ASSERT_EQ(judged.thresholds.size(), 1u);
  EXPECT_FALSE(judged.thresholds[0].held);
  EXPECT_EQ(merge_exit_code(judged), 6);
  EXPECT_EQ(merge_exit_code(merge_shards({shard(0, 2, 10, 1, 100), shard(1, 2, 10, 1, 100)}, {})), 0);
  // and it reads back with its completion
  const Result back = result_from_json(to_json(m), "m.json");
  EXPECT_EQ(back.shard->incomplete, std::vector<int>{1});
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
    std::mt19937_64 rng(wl.user_seed(k));
    auto p = load_model(LoadMode::kUsers).pacing(wl, k, rng);
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
