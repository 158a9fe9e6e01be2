#include <gtest/gtest.h>

#include "loadgen/results/thresholds.h"
#include "tests/support/result_docs.h"

using lab::parse_threshold;

TEST(Thresholds, ParseMetricsOperatorsAndUnits) {
  std::string err;
  auto p99 = parse_threshold("p99<5ms", err);
  ASSERT_TRUE(p99) << err;
  EXPECT_EQ(p99->metric, "p99");
  EXPECT_EQ(p99->op, "<");
  EXPECT_DOUBLE_EQ(p99->limit, 5);
  EXPECT_DOUBLE_EQ(parse_threshold("p99.9<=2s", err)->limit, 2000);
  EXPECT_DOUBLE_EQ(parse_threshold("avg<250us", err)->limit, 0.25);
  EXPECT_DOUBLE_EQ(parse_threshold("max<3", err)->limit, 3) << "ms by default";
  auto errors = parse_threshold("errors<1%", err);
  ASSERT_TRUE(errors);
  EXPECT_TRUE(errors->percent);
  EXPECT_EQ(parse_threshold("rps>=1000", err)->op, ">=");
  for (const char* bad : {"p99", "p101<5ms", "speed<1", "rps>1%", "fidelity>99", "avg<1%", "p99<fast", "<5"}) {
    EXPECT_FALSE(parse_threshold(bad, err)) << bad;
    EXPECT_FALSE(err.empty()) << bad;
  }
}

// NaN passes every comparison: a threshold or SLO limit of NaN held whatever was measured.
TEST(Thresholds, NanInfinityAndOverflowAreRefused) {
  std::string err;
  for (const char* bad : {"pnan<5ms", "p99<nanms", "p99<nan", "errors<inf%", "rps>1e999", "pinf<1ms", "avg<-nan"})
    EXPECT_FALSE(parse_threshold(bad, err)) << bad;
  EXPECT_TRUE(parse_threshold("p99.9<1e3ms", err)) << err;
}

TEST(Thresholds, EvaluateAgainstAResult) {
  const lab::Result r = labtest::make_run("x", 2000, 4.0, 10);  // 1% failures, p95 about 4 ms
  std::string err;
  auto eval = [&](const char* e) { return lab::evaluate(*parse_threshold(e, err), r); };
  EXPECT_TRUE(eval("p95<5ms").held);
  EXPECT_FALSE(eval("p95<3ms").held);
  EXPECT_TRUE(eval("rps>1000").held);
  EXPECT_FALSE(eval("errors<1%").held) << "1% is not below 1%";
  EXPECT_TRUE(eval("errors<=10").held);
  EXPECT_NEAR(*eval("errors<=10").actual, 10, 1e-9);
  // Nothing succeeded: a latency threshold has nothing to measure and does not hold.
  const lab::Result none = labtest::make_run("y", 100, 1.0, 1000, 1000);
  const lab::Threshold t = lab::evaluate(*parse_threshold("p99<5ms", err), none);
  EXPECT_FALSE(t.actual.has_value());
  EXPECT_FALSE(t.held);
}
