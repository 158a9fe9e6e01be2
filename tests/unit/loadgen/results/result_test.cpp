#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/output_file.h"
#include "common/result.h"
#include "loadgen/output/locust_csv.h"
#include "loadgen/output/report.h"
#include "loadgen/output/summary.h"
#include "tests/support/result_docs.h"

namespace fs = std::filesystem;

namespace {
fs::path temp_dir(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("loadlab-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}
std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}
std::vector<std::string> lines(const fs::path& p) {
  std::vector<std::string> out;
  std::istringstream in(slurp(p));
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}
std::size_t fields(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), ',')) + 1; }
}  // namespace

TEST(Results, JsonRoundTripIsLossless) {
  auto dir = temp_dir("roundtrip");
  auto doc = labtest::make_result("select", 1234.5, 0.8, 3);
  lab::write_json_output((dir / "select.json").string(), doc);
  auto back = lab::read_json_file((dir / "select.json").string());
  EXPECT_EQ(back, doc);
  lab::Result r = lab::result_from_json(back, "select.json");
  EXPECT_EQ(lab::to_json(r), doc) << "reading and writing the typed model loses nothing";
  fs::remove_all(dir);
}

TEST(Results, ValidationNamesTheFileAndField) {
  auto doc = labtest::make_result("x", 1, 1);
  doc["summary"].erase("rps");
  try {
    (void)lab::result_from_json(doc, "/tmp/x.json");
    FAIL() << "accepted a result without summary.rps";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/tmp/x.json"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("summary.rps"), std::string::npos) << e.what();
  }
  doc = labtest::make_result("x", 1, 1);
  doc["summary"]["successes"] = 5;
  EXPECT_THROW((void)lab::result_from_json(doc, "x.json"), std::runtime_error) << "requests != successes + failures";
  doc = labtest::make_result("x", 1, 1);
  doc["schema_version"] = 7;
  try {
    (void)lab::result_from_json(doc, "x.json");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("reads versions 1 and 2"), std::string::npos) << e.what();
  }
  EXPECT_THROW(lab::read_json_file("/nonexistent/file.json"), std::runtime_error);
}

// Files written before status codes, client health and thresholds (schema v1) still read; a
// v1 run where nothing succeeded wrote its percentiles as 0, which now read as "none".
TEST(Results, SchemaVersionOneStillReads) {
  auto doc = labtest::make_result("old", 100, 2.0, 1000, 1000);
  doc["schema_version"] = 1;
  for (const char* k : {"client", "thresholds", "failed_requests", "command_line"}) doc.erase(k);
  doc["summary"].erase("status_codes");
  doc["summary"]["avg_ms"] = 0.0;
  doc["summary"]["percentiles_ms"]["50"] = 0.0;
  lab::Result r = lab::result_from_json(doc, "old.json");
  EXPECT_EQ(r.schema_version, 1);
  EXPECT_FALSE(r.summary->latency.avg_ms.has_value());
  EXPECT_FALSE(r.summary->latency.p(50).has_value());
}

TEST(Results, UnlabelledRunsAreNamedByTheirFile) {
  auto doc = labtest::make_result("", 100, 1.0);
  lab::Result r = lab::result_from_json(doc, "/runs/x/epoll-tuned.json");
  EXPECT_EQ(r.name(), "epoll-tuned");
  EXPECT_NE(lab::summary_markdown({r}).find("| epoll-tuned |"), std::string::npos);
}

// Locust's columns in Locust's order; response times in fractional milliseconds (Locust's whole
// milliseconds made every percentile 0 at this lab's sub-millisecond latencies).
TEST(Results, LocustCsvHasLocustsColumnsAndFractionalMilliseconds) {
  auto dir = temp_dir("csv");
  auto run = labtest::make_run("epoll", 100, 0.8, 5);
  lab::write_locust_csv(run, (dir / "epoll").string());
  const auto stats = lines(dir / "epoll_stats.csv");
  ASSERT_EQ(stats.size(), 3u);
  EXPECT_EQ(stats[0],
            "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,"
            "Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,"
            "99.99%,100%");
  EXPECT_EQ(stats[1].rfind("GET,/,1000,5,", 0), 0u) << stats[1];
  EXPECT_EQ(stats[2].rfind(",Aggregated,1000,5,", 0), 0u) << stats[2];
  EXPECT_EQ(fields(stats[1]), fields(stats[0]));
  EXPECT_NE(stats[1].find(",0.4"), std::string::npos) << "a median of 0.4 ms, not 0: " << stats[1];
  const auto history = lines(dir / "epoll_stats_history.csv");
  EXPECT_EQ(history[0],
            "Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%,"
            "Total Request Count,Total Failure Count,Total Median Response Time,Total Average Response Time,"
            "Total Min Response Time,Total Max Response Time,Total Average Content Size");
  EXPECT_EQ(history.size(), 11u);
  fs::remove_all(dir);
}

// Every history column Locust fills is filled (no "N/A" where there were requests), rebuilt
// from the per-second histograms, and the failures file lists each kind of failure.
TEST(Results, LocustHistoryIsCompleteAndFailuresAreWritten) {
  auto dir = temp_dir("csvfull");
  lab::Result run = labtest::make_run("epoll", 100, 0.8, 10);
  lab::Histogram h;
  h.record(400'000);
  for (auto& p : run.series) p.hist = lab::sparse_counts(h);
  lab::write_locust_csv(run, (dir / "epoll").string());
  const auto history = lines(dir / "epoll_stats_history.csv");
  ASSERT_EQ(history.size(), 11u);
  for (std::size_t i = 1; i < history.size(); ++i) {
    EXPECT_EQ(history[i].find("N/A"), std::string::npos) << history[i];
    EXPECT_EQ(fields(history[i]), fields(history[0])) << history[i];
  }
  EXPECT_NE(history[1].find(",0.400,"), std::string::npos) << history[1];
  const auto failures = lines(dir / "epoll_failures.csv");
  ASSERT_EQ(failures.size(), 2u);
  EXPECT_EQ(failures[0], "Method,Name,Error,Occurrences");
  EXPECT_EQ(failures[1], "GET,/,http_500: HTTP 500,10");
  EXPECT_EQ(lines(dir / "epoll_exceptions.csv").at(0), "Count,Message,Traceback,Nodes");
  fs::remove_all(dir);
}

// Differences within the measured noise are ties: models share a place.
TEST(Results, SummaryRanksWithTiesWithinTheNoise) {
  std::vector<lab::Result> rs = {labtest::make_run("single", 200, 5, 0, 1000, 0.02),
                                 labtest::make_run("select", 300, 1, 0, 1000, 0.02),
                                 labtest::make_run("multithread", 301, 2, 0, 1000, 0.02)};
  std::string md = lab::summary_markdown(rs);
  EXPECT_NE(md.find("| select | 1,000 | 300.0 |"), std::string::npos) << md;
  EXPECT_NE(md.find("Requests per second: multithread = select > single"), std::string::npos) << md;
  EXPECT_NE(md.find("Average response time: select < multithread < single"), std::string::npos) << md;
  EXPECT_NE(md.find("Noise: single runs"), std::string::npos) << md;
}

TEST(Results, SummaryFlagsMixedWorkloadsDuplicateLabelsAndTheClient) {
  auto a = labtest::make_run("epoll", 100, 1);
  auto b = labtest::make_run("epoll", 100, 1);
  auto c = labtest::make_run("poll", 100, 1);
  c.workload["users"] = 7;
  b.client.bound = true;
  b.client.reason = "requests started 83.0 ms late";
  const std::string md = lab::summary_markdown({a, b, c});
  EXPECT_NE(md.find("Mixed workloads: poll"), std::string::npos) << md;
  EXPECT_NE(md.find("Duplicate label: 2 results are named 'epoll'"), std::string::npos) << md;
  EXPECT_NE(md.find("CLIENT-BOUND: requests started 83.0 ms late"), std::string::npos) << md;
  EXPECT_NE(md.find("| client lag p99 ms | client CPU |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 200:1,000 |"), std::string::npos) << "status codes per model: " << md;
}

TEST(Results, ReportIsSelfContainedAndCarriesTheNumbers) {
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
