// Noise: spreads that overlap tie, a regression must exceed the spread, and a client-bound run
// makes a comparison inconclusive.
#include <gtest/gtest.h>

#include "loadgen/results/aggregate.h"
#include "loadgen/output/comparison.h"
#include "loadgen/results/compare.h"
#include "loadgen/results/noise.h"
#include "tests/support/result_docs.h"

using namespace labtest;

namespace {
lab::Result with_repeats(const std::string& label, std::vector<double> rps) {
  return lab::aggregate_repeats(repeats_of(label, std::move(rps)));
}
}  // namespace

TEST(Noise, RepeatsWhoseSpreadsOverlapTie) {
  const lab::Result a = lab::aggregate_repeats(repeats_of("a", {300, 290, 310}));
  const lab::Result b = lab::aggregate_repeats(repeats_of("b", {305, 295, 320}));
  const lab::Result c = lab::aggregate_repeats(repeats_of("c", {200, 190, 210}));
  const auto places = lab::rank({&a, &b, &c}, lab::Metric::kRps);
  EXPECT_EQ(lab::ranking_line(places, true), "b = a > c");
}

// A drop beyond the limit counts only when the spreads do not overlap.
TEST(Noise, ARegressionMustExceedTheSpread) {
  lab::CompareLimits t;
  std::vector<lab::Result> base = {with_repeats("epoll", {300, 250, 350})};
  std::vector<lab::Result> noisy = {with_repeats("epoll", {260, 240, 300})};  // -13%, spreads overlap
  auto d = lab::compare_sets(base, noisy, t, false);
  EXPECT_FALSE(d[0].regressed);
  std::vector<lab::Result> worse = {with_repeats("epoll", {200, 190, 210})};  // -33%, apart
  d = lab::compare_sets(base, worse, t, false);
  EXPECT_TRUE(d[0].regressed);
  EXPECT_NE(lab::format_comparison(d, "text", t).find("the repeats' min-max"), std::string::npos);
}

// Single runs: the noise assumed is each run's per-second spread, and the output says so.
TEST(Noise, SingleRunsSayWhatNoiseTheVerdictAssumes) {
  lab::CompareLimits t;
  std::vector<lab::Result> base = {labtest::make_run("epoll", 300, 1, 0, 1000, 0.3)};
  std::vector<lab::Result> cur = {labtest::make_run("epoll", 260, 1, 0, 1000, 0.3)};
  auto d = lab::compare_sets(base, cur, t, false);
  EXPECT_FALSE(d[0].regressed) << "-13% inside a +/-30% per-second swing";
  const std::string out = lab::format_comparison(d, "text", t);
  EXPECT_NE(out.find("per-second spread"), std::string::npos) << out;
  EXPECT_NE(out.find("noise: base +/-2se"), std::string::npos) << out;
}

// A pair where either run was client-bound is inconclusive, not a regression.
TEST(Noise, AClientBoundRunMakesThePairInconclusive) {
  lab::CompareLimits t;
  std::vector<lab::Result> base = {labtest::make_run("select", 300, 1)};
  std::vector<lab::Result> cur = {labtest::make_run("select", 300, 1000)};  // p95 +99,900%
  cur[0].client.bound = true;
  cur[0].client.reason = "requests started 83.0 ms late";
  auto d = lab::compare_sets(base, cur, t, false);
  EXPECT_FALSE(d[0].regressed);
  EXPECT_TRUE(d[0].inconclusive);
  const std::string out = lab::format_comparison(d, "text", t);
  EXPECT_NE(out.find("select: INCONCLUSIVE (client-bound in current: requests started 83.0 ms late)"),
            std::string::npos)
      << out;
}
