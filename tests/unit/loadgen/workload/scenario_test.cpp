// Scenario files (--scenario): what they mean, how they pick requests, and how a mistake is named.
#include "loadgen/workload/scenario.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "loadgen/pacing/load_model.h"

namespace lab {
namespace {

std::optional<Scenario> parse(const std::string& text, std::string& err) {
  return parse_scenario(text, "/tmp/shop.json", err);
}

const char kShop[] = R"({
  "name": "shop",
  "think": "1s-3s",
  "start": ["login"],
  "requests": [
    {"name": "login", "method": "POST", "path": "/login", "weight": 0,
     "headers": {"Content-Type": "application/json"}, "body": {"user": "a"}},
    {"name": "home", "path": "/", "weight": 3},
    {"path": "/item?id=7", "think": "250ms"}
  ]
})";

TEST(Scenario, ParsesRequestsWeightsStartAndThink) {
  std::string err;
  auto s = parse(kShop, err);
  ASSERT_TRUE(s) << err;
  EXPECT_EQ(s->name, "shop");
  ASSERT_EQ(s->requests.size(), 3u);
  EXPECT_EQ(s->requests[0].spec.method, "POST");
  EXPECT_EQ(s->requests[0].spec.body, R"({"user":"a"})");  // an inline JSON body is sent as JSON
  ASSERT_EQ(s->requests[0].spec.headers.size(), 1u);
  EXPECT_EQ(s->requests[0].spec.headers[0].first, "Content-Type");
  EXPECT_EQ(s->requests[0].weight, 0);
  EXPECT_EQ(s->requests[1].weight, 3);
  EXPECT_EQ(s->requests[2].name, "/item?id=7");  // the path names a request without a name
  EXPECT_EQ(s->requests[2].weight, 1);
  ASSERT_TRUE(s->requests[2].think);
  EXPECT_DOUBLE_EQ(s->requests[2].think->min_s, 0.25);
  EXPECT_DOUBLE_EQ(s->requests[2].think->max_s, 0.25);
  ASSERT_TRUE(s->think);
  EXPECT_DOUBLE_EQ(s->think->min_s, 1);
  EXPECT_DOUBLE_EQ(s->think->max_s, 3);
  EXPECT_EQ(s->start, std::vector<int>{0});
  EXPECT_TRUE(s->per_request_think());
}

TEST(Scenario, BodyFileIsReadRelativeToTheScenario) {
  const auto dir = std::filesystem::temp_directory_path() / "loadlab_scenario_test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "order.json") << "{\"qty\": 2}";
  std::string err;
  auto s = parse_scenario(R"({"requests": [{"path": "/order", "method": "POST", "body_file": "order.json"}]})",
                          (dir / "s.json").string(), err);
  ASSERT_TRUE(s) << err;
  EXPECT_EQ(s->requests[0].spec.body, "{\"qty\": 2}");
  std::filesystem::remove_all(dir);
}

// Each mistake is named by the line it is on and the field's path.
TEST(Scenario, MistakesNameTheLineAndField) {
  struct Case {
    const char* text;
    const char* expect;
  } cases[] = {
      {"{\n  \"requests\": [\n    {\"path\": \"/\"},\n    {\"path\": \"/a\",\n     \"weight\": \"x\"}\n  ]\n}",
       "/tmp/shop.json:5: requests[1].weight: must be a number >= 0"},
      {"{\n  \"requests\": [\n    {\"path\": \"/\", \"methd\": \"GET\"}\n  ]\n}",
       "/tmp/shop.json:3: requests[0].methd: is not a field here"},
      {"{\n  \"requests\": [\n    {\"path\": \"nope\"}\n  ]\n}",
       "/tmp/shop.json:3: requests[0].path: must start with /"},
      {"{\"requests\": [{\"path\": \"/\"}, {\"path\": \"/\"}]}", "requests[1].path: names '/' again"},
      {"{\n \"start\": [\"login\"],\n \"requests\": [{\"path\": \"/\"}]\n}",
       "/tmp/shop.json:2: start[0]: 'login' is not a request's name"},
      {"{\"requests\": [{\"path\": \"/\", \"weight\": 0}]}", "every weight is 0"},
      {"{\"requests\": []}", "requests: is required"},
      {"{\"order\": \"random\", \"requests\": [{\"path\": \"/\"}]}", "order: must be \"weighted\""},
      {"{\"think\": \"5s-1s\", \"requests\": [{\"path\": \"/\"}]}", "think: '5s-1s' runs backwards"},
      {"{\"think\": \"pacing:0s\", \"requests\": [{\"path\": \"/\"}]}", "think: 'pacing:0s': a wait of 0 is --max"},
      {"{\"requests\": [{\"path\": \"/\", \"headers\": {\"Content-Length\": \"3\"}}]}",
       "requests[0].headers.Content-Length: 'Content-Length' is set by loadgen"},
      {"{\n  \"requests\": [\n    {\"path\": \"/\",}\n  ]\n}", "/tmp/shop.json:3: not valid JSON"},
  };
  for (const auto& c : cases) {
    std::string err;
    EXPECT_FALSE(parse(c.text, err)) << c.text;
    EXPECT_NE(err.find(c.expect), std::string::npos) << "got: " << err << "\nwanted: " << c.expect;
  }
}

TEST(Scenario, StartSequenceRunsOnceThenWeightsDecide) {
  std::string err;
  auto s = parse(kShop, err);
  ASSERT_TRUE(s) << err;
  RequestPicker p(*s);
  Rng rng(7);
  EXPECT_EQ(p.next(rng), 0);  // login first
  std::map<int, int> n;
  const int draws = 40000;
  for (int i = 0; i < draws; ++i) ++n[p.next(rng)];
  EXPECT_EQ(n[0], 0);                                           // weight 0: only in the start sequence
  EXPECT_NEAR(static_cast<double>(n[1]) / draws, 0.75, 0.015);  // home 3 : item 1
  EXPECT_NEAR(static_cast<double>(n[2]) / draws, 0.25, 0.015);
  p.restart();  // a user that starts again logs in again
  EXPECT_EQ(p.next(rng), 0);
}

TEST(Scenario, SequenceWalksTheRequestsInOrder) {
  std::string err;
  auto s = parse(R"({"order": "sequence", "requests": [{"path": "/a"}, {"path": "/b"}, {"path": "/c"}]})", err);
  ASSERT_TRUE(s) << err;
  RequestPicker p(*s);
  Rng rng(1);
  std::vector<int> got;
  for (int i = 0; i < 7; ++i) got.push_back(p.next(rng));
  EXPECT_EQ(got, (std::vector<int>{0, 1, 2, 0, 1, 2, 0}));
}

TEST(Scenario, OneRequestDrawsNothingFromTheUsersStream) {
  // Without a scenario file the picker must not disturb the think times (same seed, same run).
  Scenario s;
  s.requests.push_back(ScenarioRequest{});
  RequestPicker p(s);
  Rng a(5), b(5);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(p.next(a), 0);
  EXPECT_EQ(a(), b());
}

TEST(Scenario, ARequestsThinkTimeReplacesTheUsersOwn) {
  Workload w;
  w.wait_min_s = 1;
  w.wait_max_s = 5;
  Rng rng(3);
  auto pacing = users_model().pacing(w, w.stages, 0, rng);
  const auto done = PaceClock::now();
  for (int i = 0; i < 100; ++i) {
    const double gap =
        std::chrono::duration<double>(pacing->next_after(done, done, ThinkRange{0.010, 0.020, std::nullopt}) - done)
            .count();
    EXPECT_GE(gap, 0.010);
    EXPECT_LE(gap, 0.020);
  }
  // The max and rate modes have no think time: they ignore it.
  auto max_pacing = max_model().pacing(w, w.stages, 0, rng);
  EXPECT_EQ(max_pacing->next_after(done, done, ThinkRange{1, 1, std::nullopt}), max_pacing->next(done, done));
}

TEST(Scenario, IdealScheduleIsUnknownWithPerRequestThinkTimes) {
  std::string err;
  Workload w;
  w.scenario = *parse(kShop, err);
  std::vector<std::pair<double, double>> act = {{0, -1}};
  EXPECT_FALSE(users_model().ideal_requests(w, ScheduleFacts{10, &act, 1}));
  w.scenario.requests[2].think.reset();
  EXPECT_TRUE(users_model().ideal_requests(w, ScheduleFacts{10, &act, 1}));
}

}  // namespace
}  // namespace lab

namespace lab {
namespace {

// A scenario's think, and a request's, may be a wait shape of Locust's.
TEST(Scenario, ThinkTakesWaitShapes) {
  std::string err;
  const auto s =
      parse_scenario(R"({"think": "poisson:2s", "requests": [{"path": "/"}, {"path": "/slow", "think": "pacing:5s"}]})",
                     "/tmp/shapes.json", err);
  ASSERT_TRUE(s) << err;
  ASSERT_TRUE(s->think && s->think->shape);
  EXPECT_EQ(wait_text(*s->think->shape), "poisson:2s");
  EXPECT_DOUBLE_EQ(s->think->min_s, 2) << "min and max hold the mean gap";
  ASSERT_TRUE(s->requests[1].think && s->requests[1].think->shape);
  EXPECT_DOUBLE_EQ(s->requests[1].think->shape->period_s(), 5);
  const nlohmann::json j = s->to_json();  // as the result's workload records it
  EXPECT_EQ(j["think"], "poisson:2s");
  EXPECT_EQ(j["requests"][1]["think"], "pacing:5s");
  EXPECT_FALSE(s->requests[0].think);
}

}  // namespace
}  // namespace lab
