// The collector merges the workers' intervals exactly, and failures are classified.
#include <gtest/gtest.h>

#include <map>

#include "loadgen/measure/collector.h"

namespace lab {
namespace {

TEST(Collector, MergesWorkersExactlyIntoSecondsAndTotals) {
  WorkerStats a, b;
  Collector c({&a, &b});
  for (int i = 1; i <= 100; ++i) a.record_success(200, static_cast<std::uint64_t>(i) * 1000, 0, 10, 0);
  for (int i = 101; i <= 200; ++i) b.record_success(200, static_cast<std::uint64_t>(i) * 1000, 0, 10, 0);
  b.record_failure(ErrorKind::kUnexpectedStatus, 404, 0.5, "404 Not Found", 5000, 0);
  const SeriesPoint& s1 = c.tick(1, 1.0, 2);
  EXPECT_EQ(s1.requests, 201u);
  EXPECT_EQ(s1.failures, 1u);
  EXPECT_EQ(s1.bytes, 2000u);
  EXPECT_EQ(s1.users, 2);
  a.record_failure(ErrorKind::kConnectionRefused, 0, 1.5, "connect: refused", 100, 0);
  a.record_failure(ErrorKind::kConnectionRefused, 0, 1.7, "connect: refused", 100, 0);
  const SeriesPoint& s2 = c.tick(2, 1.0, 2);
  EXPECT_EQ(s2.requests, 2u);
  EXPECT_EQ(s2.failures, 2u);

  const Interval& t = c.total();
  EXPECT_EQ(t.requests, 203u);
  EXPECT_EQ(t.failures, 3u);
  EXPECT_EQ(c.successes(), 200u);
  EXPECT_EQ(t.latency.count(), 200u) << "successes only: failures have their own histogram";
  EXPECT_EQ(t.failed.count(), 3u);
  // The merged histogram is the union: its median is the union's (100 us), within bucket precision.
  EXPECT_NEAR(static_cast<double>(t.latency.percentile(50)), 100000.0, 100000.0 * 0.01);
  EXPECT_EQ(t.status[200 - kFirstStatus], 200u);
  EXPECT_EQ(t.status[404 - kFirstStatus], 1u);
  EXPECT_EQ(c.series().size(), 2u);

  const auto errors = c.errors();
  ASSERT_EQ(errors.size(), 2u);
  std::map<std::string, ErrorEntry> by_kind;
  for (const auto& e : errors) by_kind[e.kind] = e;
  EXPECT_EQ(by_kind["http_404"].count, 1u);
  EXPECT_EQ(by_kind["connection_refused"].count, 2u);
  EXPECT_DOUBLE_EQ(by_kind["connection_refused"].first_s, 1.5);
  EXPECT_DOUBLE_EQ(by_kind["connection_refused"].last_s, 1.7);
  EXPECT_EQ(by_kind["connection_refused"].example, "connect: refused");
}

// A response of an unexpected code counts as http_<code> only when that was why it failed: a
// scenario's status check fails a 401 as kind `check`, and the errors must still add up to the
// failures (they counted every 401 response, 30 errors for 16 + 14 failures, before).
TEST(Collector, AnUnexpectedCodeCountsOnlyTheFailuresOfThatKind) {
  WorkerStats w;
  w.set_names(2);
  Collector c({&w});
  w.record_failure(ErrorKind::kCheck, 401, 0.1, "check status of 'cart': got 401, want 200", 100, 0, 0);
  w.record_failure(ErrorKind::kCheck, 401, 0.2, "check status of 'cart': got 401, want 200", 100, 0, 0);
  w.record_failure(ErrorKind::kUnexpectedStatus, 401, 0.3, "", 100, 0, 1);
  c.tick(1, 1.0, 1);
  std::map<std::string, std::uint64_t> all, cart, order;
  for (const auto& e : c.errors()) all[e.kind] = e.count;
  for (const auto& e : c.errors(0)) cart[e.kind] = e.count;
  for (const auto& e : c.errors(1)) order[e.kind] = e.count;
  EXPECT_EQ(all, (std::map<std::string, std::uint64_t>{{"check", 2}, {"http_401", 1}}));
  EXPECT_EQ(cart, (std::map<std::string, std::uint64_t>{{"check", 2}}));
  EXPECT_EQ(order, (std::map<std::string, std::uint64_t>{{"http_401", 1}}));
  EXPECT_EQ(c.total().status[401 - kFirstStatus], 3u) << "every 401 response is still a 401 in the status table";
}

TEST(Collector, IntervalMergeAddsEveryCounter) {
  Interval x, y;
  x.requests = 3;
  x.failures = 1;
  x.unsent = 2;
  x.add_lag(1000);
  x.errors[static_cast<std::size_t>(ErrorKind::kReset)] = 1;
  y.requests = 4;
  y.bytes = 9;
  y.add_lag(5000);
  y.late_sum_ns = 7;
  y.late_count = 1;
  x.merge(y);
  EXPECT_EQ(x.requests, 7u);
  EXPECT_EQ(x.failures, 1u);
  EXPECT_EQ(x.bytes, 9u);
  EXPECT_EQ(x.unsent, 2u);
  EXPECT_EQ(x.lag_count, 2u);
  EXPECT_EQ(x.lag_max_ns, 5000u);
  EXPECT_EQ(x.lag_sum_ns, 6000u);
  EXPECT_EQ(x.late_count, 1u);
  EXPECT_EQ(x.errors[static_cast<std::size_t>(ErrorKind::kReset)], 1u);
}

}  // namespace
}  // namespace lab
