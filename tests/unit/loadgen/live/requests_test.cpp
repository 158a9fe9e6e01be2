#include "loadgen/live/requests.h"

#include <gtest/gtest.h>

namespace lab {
namespace {

TEST(LiveRequests, ALoopbackListenerAnswersLoopbackNamesOnly) {
  for (const char* h :
       {"127.0.0.1", "127.0.0.1:8089", "localhost", "localhost:8089", "[::1]:8089", "[::1]", "127.1.2.3:80"})
    EXPECT_TRUE(is_loopback_host(h)) << h;
  for (const char* h :
       {"", "evil.example", "evil.example:8089", "10.0.0.1:8089", "[::2]:8089", "[::1", "localhost.evil"})
    EXPECT_FALSE(is_loopback_host(h)) << h;
}

TEST(LiveRequests, AControlSetsUsersAndHowFastTheyStart) {
  std::string why;
  const auto c = parse_control(R"({"users": 40, "spawn_rate": 5})", "users", 1000, why);
  ASSERT_TRUE(c) << why;
  EXPECT_EQ(*c->users, 40);
  EXPECT_DOUBLE_EQ(*c->spawn_rate, 5);
  EXPECT_FALSE(c->stop);
  EXPECT_FALSE(c->rate);
}

TEST(LiveRequests, AControlSetsAnOpenLoopsRateOrStopsTheRun) {
  std::string why;
  const auto r = parse_control(R"({"rate": 2500.5})", "rate", 1000, why);
  ASSERT_TRUE(r) << why;
  EXPECT_DOUBLE_EQ(*r->rate, 2500.5);
  const auto s = parse_control(R"({"stop": true})", "max", 1000, why);
  ASSERT_TRUE(s) << why;
  EXPECT_TRUE(s->stop);
}

TEST(LiveRequests, AWrongControlIsRefusedWithWhatWouldBeRight) {
  struct Case {
    const char* body;
    const char* mode;
    const char* says;
  };
  for (const Case& c :
       {Case{"not json", "users", "JSON object"}, Case{"[1]", "users", "JSON object"},
        Case{R"({"users": -1})", "users", "from 0 to 1000"}, Case{R"({"users": 1001})", "users", "open-file limit"},
        Case{R"({"users": 2.5})", "users", "whole number"}, Case{R"({"users": 5})", "rate", "steer its \"rate\""},
        Case{R"({"rate": 5})", "users", "steer its \"users\""}, Case{R"({"rate": -5})", "rate", "from 0 to 1e9"},
        Case{R"({"spawn_rate": 5})", "users", "nothing to change"},
        Case{R"({"spawn_rate": "fast", "users": 3})", "users", "spawn_rate"},
        Case{R"({"stop": false})", "users", "must be true"},
        Case{R"({"usres": 5})", "users", "unknown field \"usres\""}, Case{"{}", "users", "nothing to change"}}) {
    std::string why;
    EXPECT_FALSE(parse_control(c.body, c.mode, 1000, why)) << c.body;
    EXPECT_NE(why.find(c.says), std::string::npos) << c.body << ": " << why;
  }
}

TEST(LiveRequests, AStreamResumesAfterTheLastEventIdFromTheHeaderOrTheQuery) {
  EXPECT_EQ(last_event_id("", ""), 0u);
  EXPECT_EQ(last_event_id("42", ""), 42u);
  EXPECT_EQ(last_event_id("42", "last_event_id=7"), 42u);  // the header wins
  EXPECT_EQ(last_event_id("", "last_event_id=7"), 7u);
  EXPECT_EQ(last_event_id("", "a=1&last_event_id=9&b=2"), 9u);
  EXPECT_EQ(last_event_id("", "xlast_event_id=9"), 0u);
  EXPECT_EQ(last_event_id("12abc", ""), 0u);  // not a number: from the start
  EXPECT_EQ(last_event_id("-3", ""), 0u);
}

}  // namespace
}  // namespace lab
