// The result document: a lossless JSON round trip, validation that names the file and the field,
// version 1 still read.
#include <gtest/gtest.h>

#include "common/environment.h"
#include "common/output_file.h"
#include "common/result.h"
#include "loadgen/output/summary.h"
#include "tests/support/files.h"
#include "tests/support/result_docs.h"

namespace fs = std::filesystem;
using namespace labtest;

TEST(Result, JsonRoundTripIsLossless) {
  auto dir = temp_dir("roundtrip");
  auto doc = labtest::make_result("select", 1234.5, 0.8, 3);
  lab::write_json_output((dir / "select.json").string(), doc);
  auto back = lab::read_json_file((dir / "select.json").string());
  EXPECT_EQ(back, doc);
  lab::Result r = lab::result_from_json(back, "select.json");
  EXPECT_EQ(lab::to_json(r), doc) << "reading and writing the typed model loses nothing";
  fs::remove_all(dir);
}

TEST(Result, ValidationNamesTheFileAndField) {
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
TEST(Result, SchemaVersionOneStillReads) {
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

TEST(Result, UnlabelledRunsAreNamedByTheirFile) {
  auto doc = labtest::make_result("", 100, 1.0);
  lab::Result r = lab::result_from_json(doc, "/runs/x/epoll-tuned.json");
  EXPECT_EQ(r.name(), "epoll-tuned");
  EXPECT_NE(lab::summary_markdown({r}).find("| epoll-tuned |"), std::string::npos);
}

TEST(Environment, UtcTimestampsRoundTrip) {
  EXPECT_EQ(lab::utc_timestamp(1796083200), "2026-12-01T00:00:00Z");
  EXPECT_EQ(lab::parse_utc_timestamp("2026-12-01T00:00:00Z"), std::optional<std::time_t>(1796083200));
  EXPECT_FALSE(lab::parse_utc_timestamp("2026-12-01 00:00:00"));
  EXPECT_FALSE(lab::parse_utc_timestamp("2026-12-01T00:00:00Zjunk"));
}

TEST(Result, SparseCountsComeBackIntoTheSameBuckets) {
  lab::Histogram h;
  for (std::uint64_t v : {1ull, 5000ull, 5001ull, 123456789ull}) h.record(v);
  const lab::Histogram back = lab::from_sparse(lab::sparse_counts(h));
  EXPECT_EQ(back.count(), h.count());
  EXPECT_EQ(back.count_at(lab::Histogram::index_of(5000)), h.count_at(lab::Histogram::index_of(5000)));
  EXPECT_EQ(back.percentile(99), h.percentile(99));
}
