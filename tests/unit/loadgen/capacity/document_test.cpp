// The capacity document's reader is strict: what it accepts, the report can show. (The report
// crashed on documents the old lenient reader accepted: a below_first_step search without its
// failed step, a failed step that did not say why.)
#include <gtest/gtest.h>

#include "loadgen/capacity/document.h"
#include "loadgen/capacity/report.h"

namespace lab {
namespace {

nlohmann::json step(double rate, bool passed, nlohmann::json failed = nlohmann::json::array()) {
  return {{"rate", rate}, {"passed", passed}, {"failed", failed}, {"window", {{"requests", 100}, {"p99_ms", 1.5}}}};
}

nlohmann::json doc(const std::string& status) {
  return {{"schema", "loadlab.capacity"},
          {"schema_version", 1},
          {"label", "epoll"},
          {"workload_name", "w"},
          {"status", status},
          {"verdict", "v"},
          {"slo", {"p99<=5ms"}},
          {"sweep", nlohmann::json::array()},
          {"steps", {step(100, true), step(150, false, {"latency: p99 9 ms > 5 ms"})}}};
}

std::string refusal(const nlohmann::json& j) {
  try {
    (void)capacity_from_json(j, "cap.json");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(CapacityDoc, WhatTheReaderAcceptsTheReportShows) {
  nlohmann::json ok = doc("found");
  ok["knee_step"] = 0;
  ok["first_fail_step"] = 1;
  const CapacityDoc d = capacity_from_json(ok, "cap.json");
  const auto tables = capacity_tables({d}, "/nonexistent");
  ASSERT_EQ(tables.size(), 1u);
  EXPECT_NE(capacity_markdown(tables).find("| epoll | 100 |"), std::string::npos) << capacity_markdown(tables);
  // round trip
  EXPECT_EQ(to_json(capacity_from_json(to_json(d), "again.json"))["steps"].size(), 2u);
}

TEST(CapacityDoc, InconsistentDocumentsAreRefusedNamingTheField) {
  nlohmann::json below = doc("below_first_step");  // no first_fail_step: the report indexed nothing
  EXPECT_NE(refusal(below).find("first_fail_step: is required when the status is below_first_step"), std::string::npos)
      << refusal(below);
  nlohmann::json silent = doc("found");
  silent["steps"][1]["failed"] = nlohmann::json::array();  // the report read failed.front()
  silent["knee_step"] = 0;
  silent["first_fail_step"] = 1;
  EXPECT_NE(refusal(silent).find("steps[1].failed: must say why"), std::string::npos) << refusal(silent);
  nlohmann::json knee = doc("found");
  knee["knee_step"] = 1;
  knee["first_fail_step"] = 1;
  EXPECT_NE(refusal(knee).find("knee_step: must index a step that passed"), std::string::npos) << refusal(knee);
  nlohmann::json nan = doc("found");
  nan["steps"][0]["rate"] = "fast";
  EXPECT_NE(refusal(nan).find("steps[0].rate: must be a number"), std::string::npos) << refusal(nan);
  nlohmann::json status = doc("great");
  EXPECT_NE(refusal(status).find("status: is 'great'"), std::string::npos) << refusal(status);
}

}  // namespace
}  // namespace lab

namespace lab {
namespace {

// The service demand of a search: from the (up to two) highest passing steps, averaged, with its
// trend against the lowest pass; failed steps and steps without the server's CPU do not count.
TEST(CapacityDoc, TheServiceDemandComesFromTheHighestPasses) {
  CapacityDoc d;
  auto st = [](double rate, bool passed, OptDouble us) {
    CapacityStep s;
    s.rate = rate;
    s.passed = passed;
    s.server_us_per_request = us;
    return s;
  };
  d.steps = {st(1000, true, 40.0), st(4000, true, 22.0), st(6000, false, 18.0), st(3000, true, 26.0),
             st(5000, true, std::nullopt)};
  const auto sd = service_demand(d);
  ASSERT_TRUE(sd.has_value());
  EXPECT_DOUBLE_EQ(sd->us_per_request, 24.0);
  EXPECT_EQ(sd->from_rates, (std::vector<double>{4000, 3000}));
  EXPECT_DOUBLE_EQ(sd->lowest_rate, 1000);
  EXPECT_DOUBLE_EQ(sd->trend, 22.0 / 40.0);
  EXPECT_DOUBLE_EQ(sd->lo_us, 22.0) << "the spread of the steps it averages";
  EXPECT_DOUBLE_EQ(sd->hi_us, 26.0);
  CapacityDoc none;
  none.steps = {st(1000, false, 30.0)};
  EXPECT_FALSE(service_demand(none).has_value());
}

}  // namespace
}  // namespace lab

namespace lab {
namespace {

// Limits within each other's spread share a place: a measured limit lies between its last pass
// and its first fail. b (1,020, failing at 1,070) and a (1,000, failing at 1,050) tie; c (500)
// is below both. The report draws each model's D with its spread.
TEST(CapacityDoc, LimitsWithinEachOthersSpreadTie) {
  auto make = [](const std::string& label, double knee, double fail) {
    nlohmann::json j = doc("found");
    j["label"] = label;
    j["steps"] = {step(knee, true), step(fail, false, {"latency: p99 9 ms > 5 ms"})};
    j["steps"][0]["window"]["server_us_per_request"] = 1e6 / knee / 2;
    j["knee_step"] = 0;
    j["first_fail_step"] = 1;
    return capacity_from_json(j, label + ".json");
  };
  const std::vector<CapacityDoc> docs = {make("a", 1000, 1050), make("b", 1020, 1070), make("c", 500, 525)};
  const auto tables = capacity_tables(docs, "/nonexistent");
  ASSERT_EQ(tables.size(), 1u);
  const std::string& answer = tables[0].answer;
  EXPECT_NE(answer.find("Ranking: b 1,020 = a 1,000 (0.98x) > c 500 (0.49x)."), std::string::npos) << answer;
  EXPECT_NE(answer.find("(=: a tie"), std::string::npos) << answer;
  const std::string html = render_capacity_report(tables, "t", "");
  EXPECT_NE(html.find("demand-w"), std::string::npos) << "the chart of D";
}

// A search the client stopped (>= its bound) is ranked by the server's CPU per request where the
// projection's spread reaches the bound: the server's CPU was at its limit there, so the bound is
// the figure, not "not ranked". D of 995 and 1,040 us on one CPU projects 983/s, whose spread
// (995 to 1,040 us: 961-1,005/s) reaches the 1,000/s the client stopped at. A bound whose
// projection stays below it (D of 1,500 us: 667/s) is still listed apart.
TEST(CapacityDoc, ABoundTheServersCpuReachesIsRanked) {
  auto make = [](const std::string& label, double us_lo, double us_hi) {
    nlohmann::json j = doc("client_bound");
    j["label"] = label;
    j["steps"] = {step(500, true), step(1000, true), step(1050, false, {"client: the load threads were busy"})};
    j["steps"][0]["window"]["server_us_per_request"] = us_lo;
    j["steps"][1]["window"]["server_us_per_request"] = us_hi;
    j["knee_step"] = 1;
    j["first_fail_step"] = 2;
    return capacity_from_json(j, label + ".json");
  };
  // (and within the search's resolution, 5%: D of 1,030 and 1,035 us project 968/s, at most
  // 971/s, which the bound's own precision reaches: the server was at its limit there too; seen
  // in a CPU-limited run where the client stopped 1-3% above the projection)
  const std::vector<CapacityDoc> docs = {make("at-its-limit", 995, 1040), make("within-resolution", 1030, 1035),
                                         make("far-below", 1500, 1500)};
  const auto tables = capacity_tables(docs, "/nonexistent");
  ASSERT_EQ(tables.size(), 1u);
  const std::string& answer = tables[0].answer;
  EXPECT_NE(answer.find("Ranking: at-its-limit ~1,000 (>= 1,000 measured) = within-resolution ~1,000 (>= 1,000 "
                        "measured) (1.00x)."),
            std::string::npos)
      << answer;
  EXPECT_NE(answer.find("Lower bounds, not ranked"), std::string::npos) << answer;
  EXPECT_NE(answer.find("far-below >= 1,000"), std::string::npos) << answer;
}

}  // namespace
}  // namespace lab
