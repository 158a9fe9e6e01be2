// The live view's hub: event ids and resuming, the bounded log, a run's end, wake-ups, and the
// documents made when asked.
#include "loadgen/live/hub.h"

#include <gtest/gtest.h>

#include <atomic>

#include <nlohmann/json.hpp>

#include "tests/support/result_docs.h"

namespace lab {
namespace {

TEST(LiveHub, IdsIncreaseAndAReaderResumesAfterTheLastItSaw) {
  LiveHub hub;
  EXPECT_EQ(hub.last_id(), 0u);
  EXPECT_EQ(hub.publish("hello", "{}"), 1u);
  EXPECT_EQ(hub.publish("tick", "{\"t\":1}"), 2u);
  EXPECT_EQ(hub.publish("tick", "{\"t\":2}"), 3u);
  EXPECT_EQ(hub.last_id(), 3u);
  const auto all = hub.events_after(0);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].type, "hello");
  const auto rest = hub.events_after(2);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].id, 3u);
  EXPECT_EQ(rest[0].data, "{\"t\":2}");
  EXPECT_TRUE(hub.events_after(3).empty());
  EXPECT_EQ(hub.events_after(0, 2).size(), 2u);  // at most `max`
}

TEST(LiveHub, ABoundedLogDropsTheOldestTicksAndKeepsTheRest) {
  LiveHub hub;
  hub.publish("hello", "{}");
  hub.publish("control", "{}");
  for (std::size_t i = 0; i < LiveHub::kMaxEvents + 10; ++i) hub.publish("tick", "{}");
  hub.publish("end", "{}");
  const auto all = hub.events_after(0);
  EXPECT_LE(all.size(), LiveHub::kMaxEvents);
  EXPECT_EQ(all.front().type, "hello");
  EXPECT_EQ(all[1].type, "control");
  EXPECT_EQ(all.back().type, "end");
  EXPECT_GT(all[2].id, 3u);  // the first ticks went
  for (std::size_t i = 1; i < all.size(); ++i) ASSERT_LT(all[i - 1].id, all[i].id);
}

TEST(LiveHub, EndedFollowsTheEndAndTheNextRunsHello) {
  LiveHub hub;
  hub.publish("hello", "{}");
  EXPECT_FALSE(hub.ended());
  hub.publish("end", "{}");
  EXPECT_TRUE(hub.ended());
  hub.publish("hello", "{}");  // a job's next run
  EXPECT_FALSE(hub.ended());
  hub.publish("job-end", "{}");
  EXPECT_TRUE(hub.ended());
}

TEST(LiveHub, EveryPublishWakesTheListenerUntilItIsRemoved) {
  LiveHub hub;
  std::atomic<int> woken{0};
  hub.on_publish([&] { ++woken; });
  hub.publish("tick", "{}");
  hub.publish("tick", "{}");
  EXPECT_EQ(woken.load(), 2);
  hub.on_publish(nullptr);
  hub.publish("tick", "{}");
  EXPECT_EQ(woken.load(), 2);
}

TEST(LiveHub, SnapshotAndMetricsAreMadeFromTheLatestResultWhenAsked) {
  LiveHub hub;
  EXPECT_EQ(hub.snapshot(), "{}");
  Result r = labtest::make_run("select", 100, 2.0, 0, 1000);
  hub.set_result(std::make_shared<const Result>(r), LiveGauges{7, 8, 1, 10, true, 0});
  EXPECT_EQ(nlohmann::json::parse(hub.snapshot())["summary"]["requests"], 1000);
  EXPECT_EQ(hub.snapshot(), hub.snapshot()) << "made once per version";
  EXPECT_NE(hub.metrics().find("loadgen_requests_total 1000\n"), std::string::npos);
  EXPECT_NE(hub.metrics().find("loadgen_users 7\n"), std::string::npos);
  r.summary->requests = 2000;  // the next second's
  hub.set_result(std::make_shared<const Result>(r), LiveGauges{});
  EXPECT_EQ(nlohmann::json::parse(hub.snapshot())["summary"]["requests"], 2000);
  EXPECT_NE(hub.metrics().find("loadgen_requests_total 2000\n"), std::string::npos);
}

TEST(LiveHub, AJobsHubServesTheDocumentsAsARunSentThem) {
  LiveHub hub;
  hub.set_result(std::make_shared<const Result>(labtest::make_run("select", 100, 2.0)), LiveGauges{});
  hub.set_snapshot("{\"a\":2}");
  EXPECT_EQ(hub.snapshot(), "{\"a\":2}");
  hub.set_metrics("x 1\n");
  EXPECT_EQ(hub.metrics(), "x 1\n");
}

}  // namespace
}  // namespace lab

namespace lab {
namespace {

// A scrape before the run's first second reads the metrics at zero, not an empty body.
TEST(LiveHub, MetricsAreAtZeroBeforeTheFirstSecond) {
  LiveHub hub;
  const std::string m = hub.metrics();
  EXPECT_NE(m.find("loadgen_requests_total 0\n"), std::string::npos) << m;
  EXPECT_NE(m.find("# TYPE loadgen_failures_total counter"), std::string::npos) << m;
}

}  // namespace
}  // namespace lab
