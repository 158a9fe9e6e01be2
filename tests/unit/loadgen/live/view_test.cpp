// The live view's observer: each tick is its second and the run so far, and hello, tick and end
// carry a job's context.
#include "loadgen/live/view.h"

#include <gtest/gtest.h>

#include "tests/support/result_docs.h"

namespace lab {
namespace {

using json = nlohmann::json;

SeriesPoint second(int t, std::uint64_t requests, std::uint64_t failures) {
  Histogram h;
  for (std::uint64_t i = 0; i < requests - failures; ++i) h.record(1'000'000 + 1000 * i);  // 1 ms and up
  SeriesPoint p;
  p.t = t;
  p.users = 10;
  p.requests = requests;
  p.failures = failures;
  p.cpu_pct = 12.5;
  p.finish(h);
  return p;
}

TEST(LiveView, ATickIsTheSecondAndTheRunSoFar) {
  const Result so_far = labtest::make_run("select", 100, 2.0, 3, 1000);
  const json t = tick_json(second(4, 100, 2), 25, so_far);
  EXPECT_EQ(t["t"], 4);
  EXPECT_EQ(t["requests"], 100);
  EXPECT_EQ(t["failures"], 2);
  EXPECT_DOUBLE_EQ(t["fps"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(t["target"].get<double>(), 25);
  EXPECT_EQ(t["users"], 10);
  EXPECT_DOUBLE_EQ(t["cpu_pct"].get<double>(), 12.5);
  EXPECT_GE(t["max_ms"].get<double>(), t["p99_ms"].get<double>());
  EXPECT_GE(t["p99_ms"].get<double>(), t["p50_ms"].get<double>());
  EXPECT_EQ(t["total"]["requests"], 1000);
  EXPECT_EQ(t["total"]["failures"], 3);
  ASSERT_FALSE(t["names"].empty());
  EXPECT_TRUE(t["names"].back()["aggregate"].get<bool>());
  EXPECT_EQ(t["names"].back()["requests"], 1000);
  EXPECT_EQ(t["codes"]["200"], 997);
  EXPECT_EQ(t["codes"]["500"], 3);
  EXPECT_FALSE(t["client"]["bound"].get<bool>());
}

TEST(LiveView, ASecondWithoutSuccessesHasNoPercentilesRatherThanZeroes) {
  const json t = tick_json(second(2, 5, 5), 1, Result{});
  EXPECT_TRUE(t["p50_ms"].is_null());
  EXPECT_TRUE(t["max_ms"].is_null());
  EXPECT_FALSE(t.contains("total"));  // nothing so far to total
}

TEST(LiveView, HelloTicksAndEndArePublishedWithTheJobsContext) {
  LiveHub hub;
  LiveView view(hub, json{{"job_item", "select"}, {"job_row", true}});
  view.on_start(json{{"run_time_s", 10.0}, {"mode", "users"}});
  Result r = labtest::make_run("select", 100, 2.0, 0, 1000);
  view.on_tick(second(1, 100, 0), 10, std::make_shared<const Result>(r));
  view.on_control(json{{"t", 1.5}, {"users", 20}});
  RunEnd e{r};
  e.files = json{{"json", "/tmp/x.json"}};
  view.on_end(e);
  const auto events = hub.events_after(0);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].type, "hello");
  EXPECT_EQ(json::parse(events[0].data)["job_item"], "select");
  EXPECT_EQ(events[1].type, "tick");
  EXPECT_EQ(events[2].type, "control");
  EXPECT_EQ(events[3].type, "end");
  const json end = json::parse(events[3].data);
  EXPECT_EQ(end["status"], "ok");
  EXPECT_EQ(end["summary"]["requests"], 1000);
  EXPECT_EQ(end["files"]["json"], "/tmp/x.json");
  ASSERT_TRUE(end["row"].is_array());
  EXPECT_EQ(end["row"][0], "select");
  EXPECT_EQ(end["row"][1], "1,000");
  // the snapshot is the result document; the metrics say the run has ended
  EXPECT_EQ(json::parse(hub.snapshot())["summary"]["requests"], 1000);
  EXPECT_NE(hub.metrics().find("loadgen_running 0\n"), std::string::npos);
  EXPECT_TRUE(hub.ended());
}

TEST(LiveView, AnEndWithoutAJobHasNoRow) {
  LiveHub hub;
  LiveView view(hub);
  Result r = labtest::make_run("select", 100, 2.0);
  RunEnd e{r};
  view.on_end(e);
  const json end = json::parse(hub.events_after(0).back().data);
  EXPECT_FALSE(end.contains("row"));
  EXPECT_FALSE(end.contains("outputs")) << "no pushing output: none reported";
}

TEST(LiveView, TheEndSaysWhatEachPushingOutputDropped) {
  LiveHub hub;
  LiveView view(hub);
  Result r = labtest::make_run("select", 100, 2.0);
  r.outputs.push_back({{"output", "prometheus"}, {"sent", 3}, {"dropped", 2}, {"drop_reason", "not sent"}});
  RunEnd e{r};
  view.on_end(e);
  const json end = json::parse(hub.events_after(0).back().data);
  ASSERT_TRUE(end.contains("outputs"));
  EXPECT_EQ(end["outputs"][0]["dropped"], 2);
}

}  // namespace
}  // namespace lab
