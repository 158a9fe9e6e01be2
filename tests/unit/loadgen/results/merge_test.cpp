// Merging the shards of one distributed run exactly: counts and histograms add, series align by
// wall-clock second, partial runs named.
#include <gtest/gtest.h>

#include "loadgen/results/merge.h"
#include "tests/support/result_docs.h"

using labtest::make_shard;

namespace lab {
namespace {

TEST(Merge, CountsAndHistogramsAddAndPercentilesAreTheUnions) {
  const std::vector<Result> parts = {make_shard(0, 3, 100, 1.0, 1000), make_shard(1, 3, 100, 10.0, 1000),
                                     make_shard(2, 3, 100, 100.0, 2000)};
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
  const Result m = merge_shards({make_shard(0, 2, 100, 1, 1000, 1000.0), make_shard(1, 2, 100, 1, 1000, 1002.0)}, {});
  ASSERT_EQ(m.series.size(), 12u) << "the second shard started 2 s later";
  EXPECT_EQ(m.series.front().t, 1);
  EXPECT_EQ(m.series.front().requests, 100u);
  EXPECT_EQ(m.series[2].requests, 200u);
  EXPECT_EQ(m.series.back().t, 12);
}

TEST(Merge, MissingOrFailedShardsMakeItPartialAndAreNamed) {
  Result failed = make_shard(2, 4, 0, 1, 10);
  failed.status = "failed";
  failed.error = "connection refused";
  const Result m = merge_shards({make_shard(0, 4, 100, 1, 1000), make_shard(1, 4, 100, 1, 1000), failed}, {});
  ASSERT_TRUE(m.shard);
  EXPECT_TRUE(m.shard->partial());
  EXPECT_EQ(m.shard->missing, std::vector<int>{3});
  EXPECT_EQ(m.shard->failed, std::vector<int>{2});
  EXPECT_FALSE(m.summary->ideal_requests.has_value()) << "no ideal schedule for a run with a shard missing";
}

// The merge refuses `rs`, saying `says`.
void refused(const std::vector<Result>& rs, const std::string& says) {
  try {
    merge_shards(rs, {});
    ADD_FAILURE() << "merged";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
  }
}

TEST(Merge, RefusesWhatIsNotOneRun) {
  refused({make_shard(0, 2, 1, 1, 10), make_shard(0, 2, 1, 1, 10)}, "appears twice");
  refused({make_shard(0, 2, 1, 1, 10), make_shard(1, 3, 1, 1, 10)}, "different runs");
  Result other = make_shard(1, 2, 1, 1, 10);
  other.workload["users"] = 7;
  refused({make_shard(0, 2, 1, 1, 10), other}, "different workload than shard-0.json (users)");
  Result plain = labtest::make_run("x", 1, 1);
  plain.path = "plain.json";
  refused({plain}, "not a shard");
  Result threads = make_shard(1, 2, 1, 1, 10);
  threads.workload["threads"] = 4;
  EXPECT_NO_THROW(merge_shards({make_shard(0, 2, 1, 1, 10), threads}, {})) << "threads are each shard's own";
}

// Shards of different runs were merged (exit 0): the run id tells, and without one the start
// times do; an interrupted shard counted as complete; failed thresholds never changed the exit.
TEST(Merge, ShardsOfDifferentRunsAreRefusedAndIncompleteOnesMakeItPartial) {
  Result a = make_shard(0, 2, 10, 1, 100), b = make_shard(1, 2, 10, 1, 100);
  a.shard->run_id = "run-1";
  b.shard->run_id = "run-2";
  refused({a, b}, "belongs to run 'run-2'");
  Result c = make_shard(0, 2, 10, 1, 100, 1000.0), d = make_shard(1, 2, 10, 1, 100, 1000.0 + 86400);  // a day apart
  refused({c, d}, "started 86400 s apart");
  Result e = make_shard(0, 2, 10, 1, 100), f = make_shard(1, 2, 10, 1, 100);
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
  const Result judged = merge_shards({make_shard(0, 2, 10, 1, 100), make_shard(1, 2, 10, 1, 100)}, {}, {*spec});
  ASSERT_EQ(judged.thresholds.size(), 1u);
  EXPECT_FALSE(judged.thresholds[0].held);
  EXPECT_EQ(merge_exit_code(judged), 6);
  EXPECT_EQ(merge_exit_code(merge_shards({make_shard(0, 2, 10, 1, 100), make_shard(1, 2, 10, 1, 100)}, {})), 0);
  // and it reads back with its completion
  const Result back = result_from_json(to_json(m), "m.json");
  EXPECT_EQ(back.shard->incomplete, std::vector<int>{1});
}

}  // namespace
}  // namespace lab

namespace lab {
namespace {

// HTTP/2's connection counts add across shards (a regression: the merged result kept shard 0's).
TEST(Merge, Http2ConnectionsAddAndTheStreamLimitsCombine) {
  Result a = labtest::make_shard(0, 2, 10, 1, 100), b = labtest::make_shard(1, 2, 10, 1, 100);
  a.environment["http2"] = {{"protocol", "h2c"},
                            {"streams", 8},
                            {"connections_opened", 3},
                            {"max_streams_in_flight", 8},
                            {"server_max_concurrent_streams", 128}};
  b.environment["http2"] = {{"protocol", "h2c"},
                            {"streams", 8},
                            {"connections_opened", 4},
                            {"max_streams_in_flight", 6},
                            {"server_max_concurrent_streams", 100}};
  const Result m = merge_shards({a, b}, {});
  const auto& h = m.environment["http2"];
  EXPECT_EQ(h["connections_opened"], 7);
  EXPECT_EQ(h["max_streams_in_flight"], 8);
  EXPECT_EQ(h["server_max_concurrent_streams"], 100);
  EXPECT_EQ(h["protocol"], "h2c");
}

}  // namespace
}  // namespace lab
