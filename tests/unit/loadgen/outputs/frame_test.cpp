// A frame is the run so far as named series: counters per name and status that sum to the
// result's counts (requests with no response under status 0), failures per kind, a cumulative
// histogram whose +Inf bucket is the successes, and the second's gauges.
#include "loadgen/outputs/frame.h"

#include <gtest/gtest.h>

#include <map>

namespace lab {
namespace {

Result two_names() {
  Result r;
  r.summary = Summary{};
  r.summary->requests = 110;
  r.summary->failures = 10;
  r.histogram = Histogram{};
  EndpointStats a;
  a.name = "home";
  a.method = "GET";
  a.requests = 100;
  a.failures = 10;
  a.bytes_received = 12345;
  a.status_codes = {{200, 90}, {500, 4}};  // 6 without a response
  a.errors = {{"http_500", 4, 0, 0, ""}, {"connection_reset", 6, 0, 0, ""}};
  for (int i = 0; i < 90; ++i) a.histogram.record(static_cast<std::uint64_t>(i + 1) * 100'000);  // 0.1..9 ms
  EndpointStats b;
  b.name = "search";
  b.method = "POST";
  b.requests = 10;
  b.status_codes = {{201, 10}};
  for (int i = 0; i < 10; ++i) b.histogram.record(20'000'000);  // 20 ms
  r.endpoints = {a, b};
  return r;
}

double value(const Frame& f, const std::string& name, const Labels& must) {
  double sum = 0;
  int found = 0;
  for (const SeriesValue& m : f.metrics) {
    if (m.name != name) continue;
    bool all = true;
    for (const auto& l : must) all = all && std::find(m.labels.begin(), m.labels.end(), l) != m.labels.end();
    if (all) sum += m.value, ++found;
  }
  return found ? sum : -1;
}

TEST(Frame, CountersSumToTheResultPerNameStatusAndKind) {
  const Result r = two_names();
  const Frame f = make_frame(nullptr, 0, r, 1000);
  EXPECT_TRUE(f.final);
  EXPECT_EQ(value(f, "loadgen_requests_total", {{"name", "home"}}), 100);
  EXPECT_EQ(value(f, "loadgen_requests_total", {{"name", "home"}, {"status", "0"}}), 6) << "no response: status 0";
  EXPECT_EQ(value(f, "loadgen_requests_total", {{"name", "home"}, {"status", "500"}}), 4);
  EXPECT_EQ(value(f, "loadgen_requests_total", {{"name", "search"}, {"method", "POST"}, {"status", "201"}}), 10);
  EXPECT_EQ(value(f, "loadgen_request_failures_total", {{"name", "home"}, {"kind", "connection_reset"}}), 6);
  EXPECT_EQ(value(f, "loadgen_bytes_received_total", {{"name", "home"}}), 12345);
  EXPECT_DOUBLE_EQ(value(f, "loadgen_request_failure_ratio", {{"name", "home"}}), 0.1);
  EXPECT_EQ(value(f, "loadgen_users", {}), -1) << "the final frame has no second's gauges";
  for (const SeriesValue& m : f.metrics)
    if (m.name == "loadgen_requests_total") {
      EXPECT_TRUE(m.counter);
    }
}

TEST(Frame, TheHistogramIsCumulativeAndItsInfBucketIsTheSuccesses) {
  const Frame f = make_frame(nullptr, 0, two_names(), 1000);
  double last = 0;
  for (double le : latency_buckets_s()) {
    const double n = value(f, "loadgen_request_duration_seconds_bucket", {{"name", "home"}, {"le", le_text(le)}});
    EXPECT_GE(n, last) << le;
    last = n;
  }
  EXPECT_EQ(value(f, "loadgen_request_duration_seconds_bucket", {{"name", "home"}, {"le", "0.001"}}), 10)
      << "0.1 .. 1.0 ms";
  EXPECT_EQ(value(f, "loadgen_request_duration_seconds_bucket", {{"name", "home"}, {"le", "+Inf"}}), 90);
  EXPECT_EQ(value(f, "loadgen_request_duration_seconds_count", {{"name", "home"}}), 90);
  EXPECT_NEAR(value(f, "loadgen_request_duration_seconds_sum", {{"name", "search"}}), 0.2, 1e-3);
  EXPECT_EQ(value(f, "loadgen_request_duration_seconds_bucket", {{"name", "search"}, {"le", "0.01"}}), 0);
  EXPECT_EQ(value(f, "loadgen_request_duration_seconds_bucket", {{"name", "search"}, {"le", "0.025"}}), 10);
}

TEST(Frame, ASecondCarriesItsGaugesForTheRunAndEachName) {
  SeriesPoint p;
  p.t = 3;
  p.users = 7;
  p.requests = 50;
  p.failures = 2;
  p.p99_ms = 12.5;
  p.lag_max_ms = 3;
  p.cpu_pct = 40;
  NamePoint n;
  n.name = "home";
  n.p99_ms = 10;
  n.requests = 40;
  p.names = {n};
  const Frame f = make_frame(&p, 9, two_names(), 5000);
  EXPECT_FALSE(f.final);
  EXPECT_EQ(f.ms, 5000);
  EXPECT_EQ(value(f, "loadgen_users", {}), 7);
  EXPECT_EQ(value(f, "loadgen_target", {}), 9);
  EXPECT_DOUBLE_EQ(value(f, "loadgen_client_lag_max_seconds", {}), 0.003);
  EXPECT_EQ(value(f, "loadgen_client_cpu_percent", {}), 40);
  EXPECT_DOUBLE_EQ(value(f, "loadgen_request_duration_p99_seconds", {{"name", "home"}}), 0.010);
  // the run's own (no name label) and the name's: two series
  double run_p99 = -1;
  for (const SeriesValue& m : f.metrics)
    if (m.name == "loadgen_request_duration_p99_seconds" && m.labels.empty()) run_p99 = m.value;
  EXPECT_DOUBLE_EQ(run_p99, 0.0125);
  EXPECT_EQ(value(f, "loadgen_second_requests", {{"name", "home"}}), 40);
}

}  // namespace
}  // namespace lab
