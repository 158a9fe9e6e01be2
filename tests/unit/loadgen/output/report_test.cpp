// The HTML report's charts: log axes where values span tenfold, empty charts, tick labels, a self-
// contained page carrying its numbers.
#include <gtest/gtest.h>

#include "loadgen/output/report.h"
#include "loadgen/output/svg.h"
#include "loadgen/results/name_rows.h"
#include "tests/support/result_docs.h"

using namespace labtest;

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

// A chart with nothing to draw on a log axis (a capacity search run with --sweep none has no
// concurrency curve): an empty chart. Before, its ticks looped from 0 by decades until memory ran
// out (capacity-report of such a search never returned).
TEST(Report, AnEmptyLogChartIsDrawnEmpty) {
  const std::string svg =
      lab::xy_chart("s", {lab::XySeries{"epoll", {}, {}, std::nullopt}}, "connections", "requests/s", true, true);
  EXPECT_NE(svg.find("data-x-scale=\"log\""), std::string::npos);
  EXPECT_EQ(svg.find("data-series="), std::string::npos) << "no dots";
}

TEST(Report, AxesAreFormattedAndOneSecondRunsAreDrawn) {
  std::vector<lab::BarGroup> g = {{"a", {{12345.0, {}, {}}}}, {"b", {{23456.0, {}, {}}}}};
  const std::string svg = lab::bar_chart("r", g, {"requests/s"}, "req/s");
  EXPECT_NE(svg.find(">10k</text>"), std::string::npos) << svg;
  const std::string one = lab::line_chart("m", "requests/s", "rps", {{1.0, 3000.0, true}}, "#000");
  EXPECT_NE(one.find("<circle"), std::string::npos) << "a single point is drawn as a dot: " << one;
  EXPECT_NE(one.find("data-partial-second=\"1\""), std::string::npos);
}

TEST(Report, ReportIsSelfContainedAndCarriesTheNumbers) {
  std::vector<lab::Result> rs = {labtest::make_run("single", 204.8, 5), labtest::make_run("select", 284.9, 1.25, 3)};
  std::string html = lab::render_report(rs, "test");
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg"));  // only the SVG namespace
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("data-model=\"select\" data-series=\"requests/s\" data-value=\"284.9\""), std::string::npos);
  char p95[64];
  std::snprintf(p95, sizeof p95, "data-model=\"select\" data-series=\"p95\" data-value=\"%.6g\"",
                *rs[1].summary->latency.p(95));
  EXPECT_NE(html.find(p95), std::string::npos) << p95;
  EXPECT_NE(html.find("data-metric=\"rps\""), std::string::npos);
  EXPECT_NE(html.find("<h2>Errors</h2>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"text\">http_500</td>"), std::string::npos);
  EXPECT_NE(html.find("load generator's own health"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"text\">200:997 500:3</td>"), std::string::npos) << "status codes in the report";
}

// A scenario's seconds by name: the busiest names keep their lines, the rest add up to "other",
// and the report draws a line per name for requests/s and p95.
TEST(Report, NameSeriesKeepTheBusiestAndSumTheRestAsOther) {
  lab::Result r = labtest::make_run("shop", 100, 2);
  r.series.clear();
  for (int t = 1; t <= 3; ++t) {
    lab::SeriesPoint p;
    p.t = t;
    for (int k = 0; k < 4; ++k) {
      lab::NamePoint n;
      n.name = "n" + std::to_string(k);
      n.requests = static_cast<std::uint64_t>(10 * (k + 1));  // n3 busiest, n0 quietest
      n.failures = k == 0 ? 1 : 0;
      lab::Histogram h;
      for (std::uint64_t i = 0; i < n.requests - n.failures; ++i)
        h.record(1'000'000 * static_cast<std::uint64_t>(k + 1));
      n.finish(h, 1.0);
      p.names.push_back(n);
    }
    r.series.push_back(p);
  }
  const auto all = lab::name_series(r);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].name, "n0") << "the scenario's order";
  const auto capped = lab::name_series(r, 2);
  ASSERT_EQ(capped.size(), 3u);
  EXPECT_EQ(capped[0].name, "n2");
  EXPECT_EQ(capped[1].name, "n3");
  EXPECT_EQ(capped[2].name, "other");
  ASSERT_EQ(capped[2].points.size(), 3u);
  const lab::NamePoint& other = capped[2].points[0].second;
  EXPECT_EQ(other.requests, 30u);  // n0 + n1
  EXPECT_EQ(other.failures, 1u);
  EXPECT_DOUBLE_EQ(other.rps, 30.0);
  std::uint64_t buckets = 0;
  for (const auto& [i, c] : other.hist) buckets += c;
  EXPECT_EQ(buckets, 29u);
  ASSERT_TRUE(other.p95_ms);
  EXPECT_NEAR(*other.p95_ms, 2.0, 0.01) << "n1's 2 ms dominate the top of other";

  const std::string html = lab::render_report({r}, "names");
  EXPECT_NE(html.find("id=\"names-rps-shop\""), std::string::npos);
  EXPECT_NE(html.find("id=\"names-p95-shop\""), std::string::npos);
  EXPECT_NE(html.find("data-series=\"n3\" data-x=\"2\" data-y=\"40\""), std::string::npos) << "n3's requests/s";
}
