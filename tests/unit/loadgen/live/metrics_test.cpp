// The live view's Prometheus text: totals equal to the result, histogram buckets, zeroes before the
// run, escaped labels.
#include "loadgen/live/metrics.h"

#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "tests/support/result_docs.h"

namespace lab {
namespace {

// sample name with labels -> value, and every family's declared type
struct Parsed {
  std::map<std::string, double> samples;
  std::map<std::string, std::string> types;
  std::vector<std::string> order;  // sample names in order (for the histogram's buckets)
};

Parsed parse(const std::string& text) {
  Parsed p;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream t(line.substr(7));
      std::string name, type;
      t >> name >> type;
      p.types[name] = type;
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    p.samples[line.substr(0, space)] = std::stod(line.substr(space + 1));
    p.order.push_back(line.substr(0, space));
  }
  return p;
}

TEST(LiveMetrics, TheTotalsAreTheResultsAndEverySampleHasAFamily) {
  Result r = labtest::make_run("select", 100, 2.0, 7, 1000);
  r.errors.push_back({"connect_refused", 7, 0.5, 3.5, "Connection \"refused\""});
  const Parsed p = parse(prometheus_text(r, LiveGauges{12, 20, 5, 10, true, 1}));
  EXPECT_EQ(p.samples.at("loadgen_requests_total"), 1000);
  EXPECT_EQ(p.samples.at("loadgen_failures_total"), 7);
  EXPECT_EQ(p.samples.at("loadgen_responses_total{code=\"200\"}"), 993);
  EXPECT_EQ(p.samples.at("loadgen_responses_total{code=\"500\"}"), 7);
  EXPECT_EQ(p.samples.at("loadgen_errors_total{kind=\"connect_refused\"}"), 7);
  EXPECT_EQ(p.samples.at("loadgen_users"), 12);
  EXPECT_EQ(p.samples.at("loadgen_target"), 20);
  EXPECT_EQ(p.samples.at("loadgen_running"), 1);
  EXPECT_EQ(p.samples.at("loadgen_live_dropped_listeners_total"), 1);
  for (const auto& [name, v] : p.samples) {
    std::string family = name.substr(0, name.find('{'));
    for (const char* suffix : {"_bucket", "_sum", "_count"})
      if (p.types.count(family) == 0 && family.size() > std::string(suffix).size() &&
          family.compare(family.size() - std::string(suffix).size(), std::string::npos, suffix) == 0)
        family.resize(family.size() - std::string(suffix).size());
    EXPECT_EQ(p.types.count(family), 1u) << name << " has no # TYPE";
  }
}

TEST(LiveMetrics, TheLatencyHistogramsBucketsRiseToTheCountOfSuccesses) {
  const Result r = labtest::make_run("select", 100, 2.0, 0, 1000);
  const Parsed p = parse(prometheus_text(r, LiveGauges{}));
  EXPECT_EQ(p.types.at("loadgen_request_duration_seconds"), "histogram");
  double last = 0;
  int buckets = 0;
  for (const std::string& name : p.order) {
    if (name.rfind("loadgen_request_duration_seconds_bucket", 0) != 0) continue;
    EXPECT_GE(p.samples.at(name), last) << name;
    last = p.samples.at(name);
    ++buckets;
  }
  EXPECT_GT(buckets, 10);
  EXPECT_EQ(p.samples.at("loadgen_request_duration_seconds_bucket{le=\"+Inf\"}"), 1000);
  EXPECT_EQ(p.samples.at("loadgen_request_duration_seconds_count"), 1000);
  // every success took at most about 2.1 ms: all of them lie at or below 5 ms, none below 50 us
  EXPECT_EQ(p.samples.at("loadgen_request_duration_seconds_bucket{le=\"0.005\"}"), 1000);
  EXPECT_EQ(p.samples.at("loadgen_request_duration_seconds_bucket{le=\"5e-05\"}"), 0);
  const double mean_s = p.samples.at("loadgen_request_duration_seconds_sum") / 1000;
  EXPECT_NEAR(mean_s, r.histogram->mean() / 1e9, 1e-9);
}

TEST(LiveMetrics, ARunThatNeverStartedHasZeroesNotGarbage) {
  Result r;
  const Parsed p = parse(prometheus_text(r, LiveGauges{}));
  EXPECT_EQ(p.samples.at("loadgen_requests_total"), 0);
  EXPECT_EQ(p.samples.at("loadgen_request_duration_seconds_sum"), 0);
  EXPECT_EQ(p.samples.at("loadgen_request_duration_seconds_count"), 0);
}

TEST(LiveMetrics, LabelValuesAreEscaped) {
  Result r = labtest::make_run("select", 100, 2.0, 1, 10);
  r.errors.push_back({"odd\"kind\\with\nnewline", 1, 0, 0, ""});
  const std::string text = prometheus_text(r, LiveGauges{});
  EXPECT_NE(text.find(R"(loadgen_errors_total{kind="odd\"kind\\with\nnewline"} 1)"), std::string::npos) << text;
}

}  // namespace
}  // namespace lab
