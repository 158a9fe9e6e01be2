// The summary of a run folder: rankings with ties within the noise, mixed workloads and the client
// flagged, a run in progress said so.
#include <gtest/gtest.h>

#include "loadgen/output/summary.h"
#include "tests/support/result_docs.h"

using namespace labtest;

// Differences within the measured noise are ties: models share a place.
TEST(Summary, SummaryRanksWithTiesWithinTheNoise) {
  std::vector<lab::Result> rs = {labtest::make_run("single", 200, 5, 0, 1000, 0.02),
                                 labtest::make_run("select", 300, 1, 0, 1000, 0.02),
                                 labtest::make_run("multithread", 301, 2, 0, 1000, 0.02)};
  std::string md = lab::summary_markdown(rs);
  EXPECT_NE(md.find("| select | 1,000 | 300.0 |"), std::string::npos) << md;
  EXPECT_NE(md.find("Requests per second: multithread = select > single"), std::string::npos) << md;
  EXPECT_NE(md.find("Average response time: select < multithread < single"), std::string::npos) << md;
  EXPECT_NE(md.find("Noise: single runs"), std::string::npos) << md;
}

TEST(Summary, SummaryFlagsMixedWorkloadsDuplicateLabelsAndTheClient) {
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

// A snapshot of a run still going (the live view's /snapshot.json) reads as one wherever it is
// shown, and the flag survives the JSON round trip.
TEST(Summary, ASnapshotInProgressSaysSoInItsStatus) {
  lab::Result r = labtest::make_run("epoll", 100, 1);
  EXPECT_EQ(lab::status_text(r).find("IN PROGRESS"), std::string::npos);
  r.in_progress = true;
  EXPECT_NE(lab::status_text(r).find("IN PROGRESS: a snapshot at"), std::string::npos) << lab::status_text(r);
  const lab::Result back = lab::result_from_json(lab::to_json(r), std::string("snapshot.json"));
  EXPECT_TRUE(back.in_progress);
  EXPECT_FALSE(lab::to_json(labtest::make_run("epoll", 100, 1)).contains("in_progress"));
}
