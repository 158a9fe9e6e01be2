// Locust's wait shapes: parsed with the fix named, written back canonically, drawn as promised.
#include <gtest/gtest.h>

#include <random>

#include "loadgen/shape/wait.h"

namespace lab {
namespace {

TEST(Wait, EveryShapeParsesAndReadsBack) {
  std::string err;
  for (const char* spec : {"between:1s,5s", "constant:2s", "pacing:5s", "throughput:0.2", "poisson:2s",
                           "between:50ms,100ms", "constant:1m30s"}) {
    const auto w = parse_wait(spec, err);
    ASSERT_TRUE(w) << spec << ": " << err;
    EXPECT_EQ(wait_text(*w), spec);
  }
  const auto t = *parse_wait("throughput:0.2", err);
  EXPECT_DOUBLE_EQ(t.period_s(), 5) << "constant_throughput(0.2) is constant_pacing(5)";
  EXPECT_DOUBLE_EQ(parse_wait("pacing:5s", err)->period_s(), 5);
  EXPECT_DOUBLE_EQ(parse_wait("constant:2s", err)->period_s(), 0) << "a wait after the response";
  EXPECT_DOUBLE_EQ(parse_wait("between:1,5", err)->mean_gap_s(), 3) << "bare numbers are seconds";
}

TEST(Wait, MistakesSayWhatWouldBeRight) {
  std::string err;
  struct Case {
    const char* spec;
    const char* says;
  };
  for (const Case& c : {Case{"2s", "use between:1s,5s, constant:2s"}, Case{"steady:2s", "unknown wait shape 'steady'"},
                        Case{"between:5s,1s", "the shorter time goes first"}, Case{"between:1s", "two durations"},
                        Case{"constant:0s", "--max"}, Case{"pacing:fast", "one duration"}, Case{"throughput:-1", "> 0"},
                        Case{"throughput:1e-9", "less than one request a day"}, Case{"poisson:2d", "one duration"},
                        Case{"constant:", "not a wait shape"}}) {
    EXPECT_FALSE(parse_wait(c.spec, err)) << c.spec;
    EXPECT_NE(err.find(c.says), std::string::npos) << c.spec << ": " << err;
  }
}

TEST(Wait, ThinkTimesAreDrawnAsEachShapeSays) {
  std::string err;
  Rng rng(11);
  EXPECT_DOUBLE_EQ(parse_wait("constant:2s", err)->think_s(rng), 2);
  EXPECT_DOUBLE_EQ(parse_wait("pacing:5s", err)->think_s(rng), 0) << "pacing waits by its period, not a think";
  const WaitShape between = *parse_wait("between:1s,5s", err), poisson = *parse_wait("poisson:2s", err);
  double sum = 0, sum_sq = 0, between_sum = 0;
  constexpr int kN = 200000;
  for (int i = 0; i < kN; ++i) {
    const double b = between.think_s(rng);
    ASSERT_GE(b, 1);
    ASSERT_LE(b, 5);
    between_sum += b;
    const double p = poisson.think_s(rng);
    sum += p;
    sum_sq += p * p;
  }
  const double mean = sum / kN, var = sum_sq / kN - mean * mean;
  EXPECT_NEAR(mean, 2, 0.03) << "exponential, mean 2 s";
  EXPECT_NEAR(between_sum / kN, 3, 0.06) << "uniform 1-5 s, mean 3 s (within 2%)";
  EXPECT_NEAR(var, 4, 0.15) << "an exponential's variance is its mean squared";
}

}  // namespace
}  // namespace lab

namespace lab {
namespace {

// Degenerate shapes ran like --max at 0.00% fidelity; each is refused with what to use instead.
TEST(Wait, WaitsUnderAMillisecondAreRefusedAsAClosedLoop) {
  std::string err;
  for (const char* spec : {"throughput:1e308", "pacing:1ns", "between:0s,1ns", "constant:500us", "throughput:2000"}) {
    EXPECT_FALSE(parse_wait(spec, err)) << spec;
    EXPECT_NE(err.find("a wait under 1 ms is a closed loop (use --max"), std::string::npos) << spec << ": " << err;
  }
  EXPECT_FALSE(parse_wait("throughput:0x10", err));
  EXPECT_NE(err.find("request starts per second"), std::string::npos) << err;
  EXPECT_TRUE(parse_wait("between:0s,1ms", err)) << err;
  EXPECT_TRUE(parse_wait("throughput:1000", err)) << err;
}

}  // namespace
}  // namespace lab
