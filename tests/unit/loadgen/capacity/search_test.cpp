// A capacity step is judged on its measured window: the SLO, the errors, the throughput against
// the offered rate, the backlog and the client's own health; the first failure names the limit.
#include <gtest/gtest.h>

#include "loadgen/capacity/search.h"
#include "tests/support/result_docs.h"

namespace lab {
namespace {

// A step's result: `seconds` seconds of `per_second` requests each at `latency_ms`, the first
// one the warm-up.
Result step_result(int seconds, std::uint64_t per_second, double latency_ms, std::uint64_t failures_per_second = 0) {
  Result r = labtest::make_run("epoll", static_cast<double>(per_second), latency_ms);
  r.series.clear();
  for (int t = 1; t <= seconds; ++t) {
    Histogram h;
    for (std::uint64_t i = 0; i < per_second - failures_per_second; ++i)
      h.record(static_cast<std::uint64_t>(latency_ms * 1e6));
    SeriesPoint p;
    p.t = t;
    p.requests = per_second;
    p.failures = failures_per_second;
    p.finish(h);
    r.series.push_back(p);
  }
  r.workload["users"] = 50;
  return r;
}

ThresholdSpec slo(const char* expr) {
  std::string err;
  auto t = parse_threshold(expr, err);
  EXPECT_TRUE(t) << err;
  return *t;
}

TEST(CapacitySearch, AStepThatKeepsItsRateAndSloPasses) {
  const CapacityStep st = judge_step(step_result(3, 1000, 2), 1000, 1, {slo("p99<=5ms")}, nullptr);
  EXPECT_TRUE(st.passed) << (st.failed.empty() ? "" : st.failed.front());
  EXPECT_EQ(st.requests, 2000u) << "the warm-up second is not measured";
  EXPECT_NEAR(st.achieved_rps, 1000, 1);
  EXPECT_NEAR(*st.p99_ms, 2, 0.01);
}

TEST(CapacitySearch, TheFirstFailureNamesTheLimit) {
  const CapacityStep slow = judge_step(step_result(3, 1000, 9), 1000, 1, {slo("p99<=5ms")}, nullptr);
  EXPECT_FALSE(slow.passed);
  EXPECT_EQ(slow.limit, "latency");
  EXPECT_EQ(slow.failed.front().rfind("latency: p99 8.99", 0), 0u)
      << slow.failed.front();  // (9 ms, as its bucket holds it)
  const CapacityStep failing = judge_step(step_result(3, 1000, 1, 20), 1000, 1, {slo("p99<=5ms")}, nullptr);
  EXPECT_EQ(failing.limit, "errors") << "2% failed, over the default 0.1%";
  const CapacityStep behind = judge_step(step_result(3, 800, 1), 1000, 1, {slo("p99<=5ms")}, nullptr);
  EXPECT_EQ(behind.limit, "throughput");
  EXPECT_NE(behind.failed.front().find("achieved 800/s of 1,000/s"), std::string::npos) << behind.failed.front();
}

// A step the client limited is labelled so: its rate is never the server's capacity.
TEST(CapacitySearch, AClientLimitedStepIsLabelled) {
  Result bound = step_result(3, 1000, 1);
  bound.client.bound = true;
  bound.client.reason = "the load threads were busy 97% of the run";
  const CapacityStep st = judge_step(bound, 1000, 1, {slo("p99<=5ms")}, nullptr);
  EXPECT_FALSE(st.passed);
  EXPECT_TRUE(st.client_bound);
  EXPECT_EQ(st.limit, "client");
}

}  // namespace
}  // namespace lab
