// Repeated runs aggregated: each metric's median, with the repeats' spread as its whiskers.
#include <gtest/gtest.h>

#include "loadgen/results/aggregate.h"
#include "loadgen/results/noise.h"
#include "loadgen/output/report.h"
#include "loadgen/output/summary.h"
#include "tests/support/result_docs.h"

using namespace labtest;

TEST(Aggregate, RepeatsAggregateToTheMedianWithTheirSpreadAsWhiskers) {
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
