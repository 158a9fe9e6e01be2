// The Locust-compatible CSVs: Locust's columns and fractional milliseconds, a complete history,
// failures written.
#include <gtest/gtest.h>

#include "loadgen/output/locust_csv.h"
#include "tests/support/files.h"
#include "tests/support/result_docs.h"

namespace fs = std::filesystem;
using namespace labtest;

// Locust's columns in Locust's order; response times in fractional milliseconds (Locust's whole
// milliseconds made every percentile 0 at this lab's sub-millisecond latencies).
TEST(LocustCsv, LocustCsvHasLocustsColumnsAndFractionalMilliseconds) {
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
TEST(LocustCsv, LocustHistoryIsCompleteAndFailuresAreWritten) {
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
