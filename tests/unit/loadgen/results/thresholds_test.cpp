// Thresholds (--threshold, --slo): metrics, operators and units parsed, per-name selectors,
// evaluated against a result.
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

// A name may hold < and > (before, the first '<' ended the metric and the message spoke of the
// selector), and, quoted, } and " too.
TEST(Thresholds, ANameMayHoldComparisonsAndQuotedAnything) {
  std::string err;
  auto t = lab::parse_threshold("p95{name=a<b>c}<50ms", err);
  ASSERT_TRUE(t) << err;
  EXPECT_EQ(t->name, "a<b>c");
  EXPECT_EQ(t->op, "<");
  EXPECT_DOUBLE_EQ(t->limit, 50);
  t = lab::parse_threshold(R"(p95{name="GET /a}b \"x\" \\ <c>"}>=5ms)", err);
  ASSERT_TRUE(t) << err;
  EXPECT_EQ(t->name, R"(GET /a}b "x" \ <c>)");
  EXPECT_EQ(t->op, ">=");
  EXPECT_FALSE(lab::parse_threshold(R"(p95{name="open}<5ms)", err));
  EXPECT_NE(err.find("{name=\"NAME\"}"), std::string::npos) << err;
  EXPECT_FALSE(lab::parse_threshold("p95{name=a}5ms", err));
  EXPECT_NE(err.find("after the selector comes the comparison"), std::string::npos) << err;
  EXPECT_FALSE(lab::parse_threshold("p95{name=}<5ms", err));
}

TEST(Thresholds, PerNameSelectorsParseAndJudgeThatNameAlone) {
  std::string err;
  const auto t = lab::parse_threshold("p95{name=search}<50ms", err);
  ASSERT_TRUE(t) << err;
  EXPECT_EQ(t->metric, "p95");
  EXPECT_EQ(t->name, "search");
  EXPECT_DOUBLE_EQ(t->limit, 50);
  EXPECT_EQ(lab::parse_threshold("errors{name=login}<1%", err)->name, "login");
  EXPECT_FALSE(lab::parse_threshold("p95{search}<50ms", err));
  EXPECT_NE(err.find("a selector is {name=NAME}"), std::string::npos) << err;
  EXPECT_FALSE(lab::parse_threshold("fidelity{name=a}>99%", err));
  EXPECT_NE(err.find("fidelity is the run's schedule"), std::string::npos) << err;
  EXPECT_FALSE(lab::parse_threshold("{name=a}<5ms", err));

  lab::Result r = labtest::make_run("x", 2000, 4.0, 10);  // the aggregate: p95 about 4 ms
  lab::EndpointStats slow;
  slow.name = "search";
  slow.requests = 100;
  slow.failures = 5;
  for (int i = 0; i < 95; ++i) slow.histogram.record(80'000'000);  // 80 ms each
  r.endpoints.push_back(slow);
  auto eval = [&](const char* e) { return lab::evaluate(*lab::parse_threshold(e, err), r); };
  EXPECT_TRUE(eval("p95<50ms").held) << "the aggregate holds";
  EXPECT_FALSE(eval("p95{name=search}<50ms").held) << "search alone does not";
  EXPECT_NEAR(*eval("p95{name=search}<50ms").actual, 80, 0.1);
  EXPECT_NEAR(*eval("errors{name=search}<1%").actual, 5.0, 1e-9);
  EXPECT_NEAR(*eval("errors{name=search}<10").actual, 5.0, 1e-9);
  EXPECT_EQ(eval("p95{name=search}<50ms").name, "search");
  EXPECT_FALSE(eval("p95{name=other}<50ms").actual) << "a name the result lacks: nothing to judge";

  std::vector<lab::ThresholdSpec> specs = {*lab::parse_threshold("p95{name=serch}<50ms", err)};
  EXPECT_NE(lab::check_threshold_names(specs, {"home", "search"}).find("(the names: home, search)"), std::string::npos);
  EXPECT_NE(lab::check_threshold_names(specs, {}).find("--scenario"), std::string::npos);
  specs = {*lab::parse_threshold("p95{name=search}<50ms", err), *lab::parse_threshold("p99<5ms", err)};
  EXPECT_EQ(lab::check_threshold_names(specs, {"home", "search"}), "");
}

TEST(Thresholds, UpperLimitsOnCountsAndMaximaAreFinalOnceFailed) {
  std::string err;
  EXPECT_TRUE(lab::final_once_failed(*lab::parse_threshold("errors<10", err)));
  EXPECT_TRUE(lab::final_once_failed(*lab::parse_threshold("max<=1s", err)));
  EXPECT_FALSE(lab::final_once_failed(*lab::parse_threshold("errors<1%", err))) << "a rate can recover";
  EXPECT_FALSE(lab::final_once_failed(*lab::parse_threshold("p99<5ms", err)));
  EXPECT_FALSE(lab::final_once_failed(*lab::parse_threshold("rps>100", err)));
}

// k6's checks rate: the share of a scenario's checks that passed, for the run or one name.
TEST(Thresholds, ChecksJudgeTheShareThatPassed) {
  std::string err;
  const auto all = parse_threshold("checks>99.5%", err);
  ASSERT_TRUE(all) << err;
  const auto login = parse_threshold("checks{name=login}>=99.9%", err);
  ASSERT_TRUE(login) << err;
  EXPECT_EQ(login->name, "login");
  EXPECT_FALSE(parse_threshold("checks>99", err)) << "a share: % is required";
  EXPECT_NE(err.find("a percentage"), std::string::npos) << err;
  lab::Result r = labtest::make_run("x", 2000, 4.0, 10);
  EXPECT_FALSE(lab::evaluate(*all, r).actual) << "no checks ran: nothing to judge, not held";
  EXPECT_FALSE(lab::evaluate(*all, r).held);
  lab::FlowStats f;
  f.checks = {{"login", "status", 999, 1}, {"login", "json /status", 1000, 0}, {"cart", "status", 90, 10}};
  r.flow = f;
  const lab::Threshold t = lab::evaluate(*all, r);
  ASSERT_TRUE(t.actual);
  EXPECT_NEAR(*t.actual, 100.0 * 2089 / 2100, 1e-9);
  EXPECT_FALSE(t.held);
  const lab::Threshold l = lab::evaluate(*login, r);
  EXPECT_NEAR(*l.actual, 99.95, 1e-9);
  EXPECT_TRUE(l.held);
}
