#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/result_json.h"
#include "loadgen/csv_writer.h"
#include "loadgen/report.h"
#include "loadgen/summary.h"
#include "tests/support/result_docs.h"

namespace fs = std::filesystem;

namespace {
fs::path temp_dir(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("loadlab-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}
std::string first_line(const fs::path& p) {
  std::ifstream f(p);
  std::string line;
  std::getline(f, line);
  return line;
}
}  // namespace

TEST(Results, JsonRoundTripIsLossless) {
  auto dir = temp_dir("roundtrip");
  auto doc = labtest::make_result("select", 1234.5, 0.8, 3);
  lab::write_json_file((dir / "select.json").string(), doc);
  auto back = lab::read_json_file((dir / "select.json").string());
  EXPECT_EQ(back, doc);
  EXPECT_NO_THROW(lab::validate_result(back, "select.json"));
  fs::remove_all(dir);
}

TEST(Results, ValidationNamesTheFileAndField) {
  auto doc = labtest::make_result("x", 1, 1);
  doc["summary"].erase("rps");
  try {
    lab::validate_result(doc, "/tmp/x.json");
    FAIL() << "accepted a result without summary.rps";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/tmp/x.json"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("summary.rps"), std::string::npos);
  }
  EXPECT_THROW(lab::read_json_file("/nonexistent/file.json"), std::runtime_error);
}

TEST(Results, LocustCsvHasLocustsColumns) {
  auto dir = temp_dir("csv");
  auto doc = labtest::make_result("epoll", 100, 2.0, 5);
  lab::write_locust_csv(doc, (dir / "epoll").string());
  EXPECT_EQ(first_line(dir / "epoll_stats.csv"),
            "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,"
            "Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,"
            "99.99%,100%");
  EXPECT_EQ(first_line(dir / "epoll_stats_history.csv"),
            "Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%,"
            "Total Request Count,Total Failure Count,Total Median Response Time,Total Average Response Time,"
            "Total Min Response Time,Total Max Response Time,Total Average Content Size");
  std::ifstream f(dir / "epoll_stats.csv");
  std::string header, row, agg;
  std::getline(f, header);
  std::getline(f, row);
  std::getline(f, agg);
  EXPECT_EQ(row.rfind("GET,/,1000,5,", 0), 0u) << row;
  EXPECT_EQ(agg.rfind(",Aggregated,1000,5,", 0), 0u) << agg;
  // every row has as many fields as the header
  auto fields = [](const std::string& s) { return std::count(s.begin(), s.end(), ',') + 1; };
  EXPECT_EQ(fields(row), fields(header));
  fs::remove_all(dir);
}

TEST(Results, SummaryRanksByThroughputAndLatency) {
  std::vector<lab::LoadedResult> rs = {{"a.json", labtest::make_result("single", 200, 5)},
                                       {"b.json", labtest::make_result("select", 300, 1)},
                                       {"c.json", labtest::make_result("multithread", 320, 2)}};
  std::string md = lab::summary_markdown(rs);
  EXPECT_NE(md.find("| select | 1,000 | 300.0 |"), std::string::npos) << md;
  EXPECT_NE(md.find("Requests per second: multithread > select > single"), std::string::npos) << md;
  EXPECT_NE(md.find("Average response time: select < multithread < single"), std::string::npos) << md;
}

TEST(Results, ReportIsSelfContainedAndCarriesTheNumbers) {
  std::vector<lab::LoadedResult> rs = {{"a.json", labtest::make_result("single", 204.8, 5)},
                                       {"b.json", labtest::make_result("select", 284.9, 1.25)}};
  std::string html = lab::render_report(rs, "test");
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg"));  // only the SVG namespace
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("data-model=\"select\" data-series=\"requests/s\" data-value=\"284.9\""), std::string::npos);
  EXPECT_NE(html.find("data-model=\"select\" data-series=\"p95\" data-value=\"1.25\""), std::string::npos);
  EXPECT_NE(html.find("data-metric=\"rps\""), std::string::npos);
}
