// The report and the noise-aware tools on crafted results: whiskers, log axes, ties, repeats,
// client-bound runs, and comparisons that only call a difference beyond the noise.
#include <gtest/gtest.h>

#include "loadgen/results/aggregate.h"
#include "loadgen/results/compare.h"
#include "loadgen/results/noise.h"
#include "loadgen/output/report.h"
#include "loadgen/output/summary.h"
#include "loadgen/output/svg.h"
#include "tests/support/result_docs.h"

namespace {

std::vector<lab::Result> repeats_of(const std::string& label, std::vector<double> rps) {
  std::vector<lab::Result> out;
  for (std::size_t i = 0; i < rps.size(); ++i) {
    out.push_back(labtest::make_run(label, rps[i], 1.0));
    out.back().path = label + ".r" + std::to_string(i + 1) + ".json";
  }
  return out;
}

}  // namespace

TEST(Report, LatencyAxisIsLogarithmicWhenValuesSpanMoreThanTenfold) {
  std::vector<lab::BarGroup> narrow = {{"a", {{1.0, {}, {}}}}, {"b", {{5.0, {}, {}}}}};
  std::vector<lab::BarGroup> wide = {{"a", {{0.1, {}, {}}}}, {"b", {{50.0, {}, {}}}}};
  EXPECT_NE(lab::bar_chart("n", narrow, {"p50"}, "ms").find("data-scale=\"linear\""), std::string::npos);
  const std::string svg = lab::bar_chart("w", wide, {"p50"}, "ms");
  EXPECT_NE(svg.find("data-scale=\"log\""), std::string::npos);
  EXPECT_NE(svg.find(">0.1</text>"), std::string::npos) << "ticks at powers of ten, formatted: " << svg;
  EXPECT_NE(svg.find(">100</text>"), std::string::npos) << svg;
  EXPECT_NE(svg.find("(log scale)"), std::string::npos);
}

TEST(Report, AxesAreFormattedAndOneSecondRunsAreDrawn) {
  std::vector<lab::BarGroup> g = {{"a", {{12345.0, {}, {}}}}, {"b", {{23456.0, {}, {}}}}};
  const std::string svg = lab::bar_chart("r", g, {"requests/s"}, "req/s");
  EXPECT_NE(svg.find(">10k</text>"), std::string::npos) << svg;
  const std::string one = lab::line_chart("m", "requests/s", "rps", {{1.0, 3000.0, true}}, "#000");
  EXPECT_NE(one.find("<circle"), std::string::npos) << "a single point is drawn as a dot: " << one;
  EXPECT_NE(one.find("data-partial-second=\"1\""), std::string::npos);
}

TEST(Report, RepeatsAggregateToTheMedianWithTheirSpreadAsWhiskers) {
  lab::Result agg = lab::aggregate_repeats(repeats_of("epoll", {300, 280, 330}));
  ASSERT_TRUE(agg.repeats.has_value());
  EXPECT_EQ(agg.repeats->files.size(), 3u);
  const auto& rps = agg.repeats->metrics.at("rps");
  EXPECT_DOUBLE_EQ(rps.median, 300);
  EXPECT_DOUBLE_EQ(rps.min, 280);
  EXPECT_DOUBLE_EQ(rps.max, 330);
  EXPECT_DOUBLE_EQ(agg.summary->rps, 300) << "the representative is the median repeat";
  const std::string html = lab::render_report({agg}, "t");
  EXPECT_NE(
      html.find("class=\"whisker\" data-model=\"epoll\" data-series=\"requests/s\" data-lo=\"280\" data-hi=\"330\""),
      std::string::npos);
  EXPECT_NE(lab::summary_markdown({agg}).find("300.0 [280.0-330.0]"), std::string::npos)
      << lab::summary_markdown({agg});
  // A repeat that failed makes the model failed: a failure never hides behind a median.
  auto reps = repeats_of("epoll", {300, 280, 330});
  reps[1].status = "failed";
  reps[1].error = "no request succeeded";
  const lab::Result bad = lab::aggregate_repeats(reps);
  EXPECT_EQ(bad.status, "failed");
  EXPECT_EQ(bad.error, "repeat 2 of 3: no request succeeded");
}

TEST(Metrics, RepeatsWhoseSpreadsOverlapTie) {
  const lab::Result a = lab::aggregate_repeats(repeats_of("a", {300, 290, 310}));
  const lab::Result b = lab::aggregate_repeats(repeats_of("b", {305, 295, 320}));
  const lab::Result c = lab::aggregate_repeats(repeats_of("c", {200, 190, 210}));
  const auto places = lab::rank({&a, &b, &c}, lab::Metric::kRps);
  EXPECT_EQ(lab::ranking_line(places, true), "b = a > c");
}

namespace {
lab::Result with_repeats(const std::string& label, std::vector<double> rps) {
  return lab::aggregate_repeats(repeats_of(label, std::move(rps)));
}
}  // namespace

// A drop beyond the limit counts only when the spreads do not overlap.
TEST(CompareNoise, ARegressionMustExceedTheSpread) {
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
TEST(CompareNoise, SingleRunsSayWhatNoiseTheVerdictAssumes) {
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
TEST(CompareNoise, AClientBoundRunMakesThePairInconclusive) {
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
