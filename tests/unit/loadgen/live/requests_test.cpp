// What the live listener accepts: Host names, steering bodies against the load model, Last-Event-ID
// within a run, secrets and event types.
#include "loadgen/live/requests.h"

#include <gtest/gtest.h>

#include <vector>

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
  const auto c = parse_control(R"({"users": 40, "spawn_rate": 5})", users_model(), 1000, why);
  ASSERT_TRUE(c) << why;
  EXPECT_EQ(*c->users, 40);
  EXPECT_DOUBLE_EQ(*c->spawn_rate, 5);
  EXPECT_FALSE(c->stop);
  EXPECT_FALSE(c->rate);
}

TEST(LiveRequests, AControlSetsAnOpenLoopsRateOrStopsTheRun) {
  std::string why;
  const auto r = parse_control(R"({"rate": 2500.5})", rate_model(), 1000, why);
  ASSERT_TRUE(r) << why;
  EXPECT_DOUBLE_EQ(*r->rate, 2500.5);
  const auto s = parse_control(R"({"stop": true})", max_model(), 1000, why);
  ASSERT_TRUE(s) << why;
  EXPECT_TRUE(s->stop);
}

TEST(LiveRequests, AWrongControlIsRefusedWithWhatWouldBeRight) {
  struct Case {
    const char* body;
    const LoadModel* mode;
    const char* says;
  };
  for (const Case& c : {Case{"not json", &users_model(), "JSON object"}, Case{"[1]", &users_model(), "JSON object"},
                        Case{R"({"users": -1})", &users_model(), "from 0 to 1000"},
                        Case{R"({"users": 1001})", &users_model(), "open-file limit"},
                        Case{R"({"users": 2.5})", &users_model(), "whole number"},
                        Case{R"({"users": 5})", &rate_model(), "steer its \"rate\""},
                        Case{R"({"rate": 5})", &users_model(), "steer its \"users\""},
                        Case{R"({"rate": -5})", &rate_model(), "from 0 to 1e9"},
                        Case{R"({"spawn_rate": 5})", &users_model(), "nothing to change"},
                        Case{R"({"spawn_rate": "fast", "users": 3})", &users_model(), "spawn_rate"},
                        Case{R"({"stop": false})", &users_model(), "must be true"},
                        Case{R"({"usres": 5})", &users_model(), "unknown field \"usres\""},
                        Case{"{}", &users_model(), "nothing to change"}}) {
    std::string why;
    EXPECT_FALSE(parse_control(c.body, *c.mode, 1000, why)) << c.body;
    EXPECT_NE(why.find(c.says), std::string::npos) << c.body << ": " << why;
  }
}

TEST(LiveRequests, AStreamResumesAfterTheLastEventIdOfItsOwnRun) {
  const std::string run = "0123456789ab";
  EXPECT_EQ(last_event_id("", "", run), 0u);
  EXPECT_EQ(last_event_id(run + ".42", "", run), 42u);
  EXPECT_EQ(last_event_id(run + ".42", "last_event_id=" + run + ".7", run), 42u);  // the header wins
  EXPECT_EQ(last_event_id("", "last_event_id=" + run + ".7", run), 7u);
  EXPECT_EQ(last_event_id("", "a=1&last_event_id=" + run + ".9&b=2", run), 9u);
  EXPECT_EQ(last_event_id("", "xlast_event_id=" + run + ".9", run), 0u);
  EXPECT_EQ(last_event_id(run + ".12abc", "", run), 0u);  // not a number: from the start
  EXPECT_EQ(last_event_id(run + ".-3", "", run), 0u);
  EXPECT_EQ(last_event_id("42", "", run), 0u) << "a bare number is no run's: from the start";
  EXPECT_EQ(last_event_id("ba9876543210.42", "", run), 0u) << "another run's id: from the start";
  EXPECT_EQ(last_event_id(run + "42", "", run), 0u);
  EXPECT_EQ(last_event_id(run + ".42", "", ""), 0u);
}

TEST(LiveRequests, AListenerAnswersLoopbackNamesAndTheAllowedOnes) {
  const std::vector<std::string> allowed = {"lab.example.net", "10.0.0.5", "fd00::5"};
  for (const char* h :
       {"127.0.0.1:8089", "localhost", "lab.example.net", "LAB.Example.NET:8089", "10.0.0.5:8089", "[fd00::5]:8089"})
    EXPECT_TRUE(host_allowed(h, allowed)) << h;
  for (const char* h : {"", "evil.example", "lab.example.net.evil:8089", "10.0.0.6", "[fd00::6]:1", "example.net"})
    EXPECT_FALSE(host_allowed(h, allowed)) << h;
  EXPECT_FALSE(host_allowed("lab.example.net", {})) << "no allow-list: loopback names only";
  EXPECT_TRUE(host_allowed("anything.example", {"*"}));
}

TEST(LiveRequests, TheAllowListIsNamesOrAddressesSeparatedByCommas) {
  std::vector<std::string> out;
  EXPECT_EQ(parse_allowed_hosts("lab.example.net, 10.0.0.5,[fd00::5]", out), "");
  EXPECT_EQ(out, (std::vector<std::string>{"lab.example.net", "10.0.0.5", "fd00::5"}));
  std::vector<std::string> bad;
  EXPECT_NE(parse_allowed_hosts("lab/evil", bad).find("not a host name"), std::string::npos);
  EXPECT_NE(parse_allowed_hosts(" , ", bad).find("at least one"), std::string::npos);
}

TEST(LiveRequests, SecretsAreComparedWhole) {
  EXPECT_TRUE(same_secret("0123456789abcdef", "0123456789abcdef"));
  EXPECT_FALSE(same_secret("0123456789abcdef", "0123456789abcdeg"));
  EXPECT_FALSE(same_secret("0123456789abcdef", "0123456789abcde"));
  EXPECT_FALSE(same_secret("0123456789abcde", "0123456789abcdef"));
  EXPECT_FALSE(same_secret("", "")) << "an empty secret guards nothing";
  const std::string a = random_token(), b = random_token();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos) << a;
  EXPECT_NE(a, b);
}

TEST(LiveRequests, AnEventTypeIsAWordThatCannotEndItsLine) {
  for (const char* t : {"hello", "tick", "job-end", "row", "step_2"}) EXPECT_TRUE(valid_event_type(t)) << t;
  for (const char* t : {"", "Tick", "tick\ndata: x", "tick\r", "-x", "a b", "data:", "x\n\nevent: end"})
    EXPECT_FALSE(valid_event_type(t)) << t;
  EXPECT_FALSE(valid_event_type(std::string(33, 'a')));
}

}  // namespace
}  // namespace lab
