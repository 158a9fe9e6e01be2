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

TEST(Result, ChecksSkipsAndCookiesRoundTripAndAddUp) {
  auto doc = labtest::make_result("shop", 100, 0, 1);
  lab::Result r = lab::result_from_json(doc, "shop.json");
  lab::FlowStats f;
  f.checks = {{"login", "status", 10, 0}, {"cart", "json /status", 8, 2}};
  f.skipped = {{"view", "order", 3}};
  f.cookies = true;
  f.cookies_set = 10;
  f.cookies_sent = 30;
  r.flow = f;
  const nlohmann::json j = lab::to_json(r);
  EXPECT_EQ(j["checks"]["passes"], 18);
  EXPECT_EQ(j["checks"]["fails"], 2);
  EXPECT_DOUBLE_EQ(j["checks"]["rate_percent"].get<double>(), 90.0);
  EXPECT_EQ(j["skipped"]["count"], 3);
  EXPECT_EQ(j["cookies"]["sent"], 30);
  const lab::Result back = lab::result_from_json(j, "shop.json");
  ASSERT_TRUE(back.flow);
  EXPECT_EQ(lab::to_json(back), j) << "reading and writing the blocks loses nothing";
  lab::FlowStats sum = *back.flow;  // a second shard's tallies: by request and check, by variable
  lab::FlowStats other;
  other.checks = {{"cart", "json /status", 1, 1}, {"order", "status", 5, 0}};
  other.skipped = {{"view", "order", 2}};
  other.cookies_set = 1;
  sum.add(other);
  EXPECT_EQ(sum.checks.size(), 3u);
  EXPECT_EQ(sum.fails("cart"), 3u);
  EXPECT_EQ(sum.passes(), 24u);
  EXPECT_EQ(sum.skips(), 5u);
  EXPECT_EQ(sum.cookies_set, 11u);
  EXPECT_FALSE(lab::to_json(lab::result_from_json(doc, "x")).contains("checks")) << "absent without a flow";
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

// The notes code reads by key, typed: a field of the wrong type keeps its default (json's
// value() threw type_error on a hand-edited document), and the fields present are read.
TEST(ResultViews, ServerWorkloadAndEnvironmentReadTypedWithDefaults) {
  const nlohmann::json server = {
      {"args", "--model epoll --workers 8"},
      {"cpus", 0.25},
      {"cpu_limit", 0.25},
      {"knobs", {{"model", "epoll"}, {"protocol", "http11"}, {"work_us", 200}, {"body_bytes", 65536}}}};
  const lab::ServerView s = lab::server_view(server);
  EXPECT_EQ(s.args, "--model epoll --workers 8");
  EXPECT_DOUBLE_EQ(s.cpus, 0.25);
  ASSERT_TRUE(s.cpu_limit);
  EXPECT_DOUBLE_EQ(*s.cpu_limit, 0.25);
  EXPECT_TRUE(s.has_knobs);
  EXPECT_EQ(s.knobs.model, "epoll");
  EXPECT_EQ(s.knobs.protocol, "http11");
  EXPECT_EQ(s.knobs.keepalive, "no");
  EXPECT_DOUBLE_EQ(s.knobs.work_us, 200);
  EXPECT_EQ(s.knobs.body_bytes, 65536);

  const lab::ServerView odd =
      lab::server_view({{"cpus", "two"}, {"cpu_limit", nullptr}, {"knobs", {{"work_us", "lots"}}}});
  EXPECT_DOUBLE_EQ(odd.cpus, 1);
  EXPECT_FALSE(odd.cpu_limit);
  EXPECT_DOUBLE_EQ(odd.knobs.work_us, 0);
  EXPECT_FALSE(lab::server_view(nullptr).has_knobs);

  const lab::WorkloadView w = lab::workload_view({{"method", "POST"}, {"users", "many"}, {"url", "http://h/x"}});
  EXPECT_EQ(w.method, "POST");
  EXPECT_EQ(w.users, 0);
  EXPECT_EQ(w.expect_status, "2xx");
  EXPECT_EQ(lab::workload_view({{"expect_status", "200,404"}}).expect_status, "200,404");

  const lab::EnvironmentView e = lab::environment_view({{"cpus", 2}, {"kernel", "6.18"}, {"start_epoch_s", "soon"}});
  EXPECT_EQ(e.cpus, 2);
  EXPECT_EQ(e.kernel, "6.18");
  EXPECT_DOUBLE_EQ(e.start_epoch_s, 0);
}
