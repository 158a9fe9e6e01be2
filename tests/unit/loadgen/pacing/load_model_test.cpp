// The pacing seam: every load mode has a model, and each model schedules as its mode promises.
#include <gtest/gtest.h>

#include <set>

#include "loadgen/pacing/load_model.h"
#include "loadgen/pacing/schedule.h"

namespace lab {
namespace {

using std::chrono::duration;

double secs(PaceClock::duration d) { return duration<double>(d).count(); }

TEST(Pacing, EveryModeHasOneModelWithItsOwnName) {
  std::set<std::string> names;
  for (LoadMode m : {LoadMode::kUsers, LoadMode::kMax, LoadMode::kRate}) {
    EXPECT_EQ(load_model(m).mode(), m);
    names.insert(to_string(m));
  }
  EXPECT_EQ(names, (std::set<std::string>{"users", "max", "rate"}));
  EXPECT_EQ(load_models().size(), 3u);
}

TEST(Pacing, UsersThinkBetweenMinAndMaxAfterEachResponse) {
  Workload w;
  w.mode = LoadMode::kUsers;
  w.wait_min_s = 1;
  w.wait_max_s = 5;
  Rng rng(7);
  auto p = load_model(w.mode).pacing(w, w.stages, 0, rng);
  const PaceClock::time_point t0{};
  EXPECT_EQ(p->first(t0), t0) << "the first request at once";
  double lo = 10, hi = 0;
  for (int i = 0; i < 1000; ++i) {
    const double gap = secs(p->next(t0, t0 + std::chrono::seconds(3)) - (t0 + std::chrono::seconds(3)));
    lo = std::min(lo, gap);
    hi = std::max(hi, gap);
  }
  EXPECT_GE(lo, 1.0);
  EXPECT_LE(hi, 5.0);
  EXPECT_LT(lo, 1.1);
  EXPECT_GT(hi, 4.9);
  EXPECT_FALSE(load_model(w.mode).open_loop());
}

TEST(Pacing, MaxSendsTheNextRequestWhenTheResponseIsIn) {
  Workload w;
  Rng rng(1);
  auto p = load_model(LoadMode::kMax).pacing(w, w.stages, 0, rng);
  const PaceClock::time_point done = PaceClock::time_point{} + std::chrono::milliseconds(42);
  EXPECT_EQ(p->next(PaceClock::time_point{}, done), done);
  EXPECT_FALSE(load_model(LoadMode::kMax).ideal_requests(w, {}).has_value());
}

// Four users at 100/s: each every 40 ms, staggered 10 ms apart, so that together they send
// every 10 ms; a slot is due whether or not the last response came back.
TEST(Pacing, RateStaggersUsersEvenlyAndIgnoresResponses) {
  Workload w;
  w.mode = LoadMode::kRate;
  w.users = 4;
  w.rate = 100;
  Rng rng(1);
  const PaceClock::time_point t0{};
  std::vector<double> firsts;
  for (int u = 0; u < 4; ++u) {
    auto p = load_model(w.mode).pacing(w, w.stages, u, rng);
    firsts.push_back(secs(p->first(t0) - t0));
    const auto due = p->first(t0);
    EXPECT_NEAR(secs(p->next(due, due + std::chrono::seconds(5)) - due), 0.040, 1e-9);
  }
  EXPECT_NEAR(firsts[0], 0.005, 1e-9);
  for (int u = 1; u < 4; ++u) EXPECT_NEAR(firsts[u] - firsts[u - 1], 0.010, 1e-9);
  EXPECT_TRUE(load_model(w.mode).open_loop());
  ScheduleFacts f;
  f.duration_s = 2;
  EXPECT_DOUBLE_EQ(load_model(w.mode).ideal_requests(w, f).value_or(0), 200);
  EXPECT_DOUBLE_EQ(load_model(w.mode).connection_rate(w), 100);
}

// A rate so high that one connection's interval is under a nanosecond: every slot is computed
// from its number, so time moves on however small the interval (it truncated to 0 ns and the
// run never ended), and the slots never sent are counted, not walked.
TEST(Pacing, AnyRateMovesForwardAndItsUnsentSlotsAreCounted) {
  Workload w;
  w.mode = LoadMode::kRate;
  w.users = 1;
  w.rate = kMaxRate;
  Rng rng(1);
  auto p = load_model(w.mode).pacing(w, w.stages, 0, rng);
  const PaceClock::time_point t0{};
  PaceClock::time_point due = p->first(t0);
  for (int i = 0; i < 1000; ++i) due = p->next(due, due);
  EXPECT_NEAR(secs(due - t0), 1000e-9, 2e-9) << "a thousand slots of 1 ns";
  const UnsentSlots u = p->unsent(due, due + std::chrono::seconds(1));
  EXPECT_NEAR(static_cast<double>(u.count), 1e9, 2) << "a second at 1e9/s";
  EXPECT_NEAR(static_cast<double>(u.first_late_ns), 1e9, 1);
  // at a moderate rate the count is the walk's
  w.rate = 1000;
  w.users = 4;
  auto q = load_model(w.mode).pacing(w, w.stages, 1, rng);
  PaceClock::time_point d = q->first(t0);
  const PaceClock::time_point until = t0 + std::chrono::milliseconds(1000);
  std::uint64_t walked = 0;
  for (PaceClock::time_point x = d; x < until; x = q->next(x, x)) ++walked;
  EXPECT_EQ(q->unsent(d, until).count, walked);
}

// With --spawn-rate each connection's schedule starts when it is spawned: the ideal count is
// each one's share of the rate over the time it was active (a perfect server showed 70%).
TEST(Pacing, RateIdealCountsEachConnectionFromItsSpawn) {
  Workload w;
  w.mode = LoadMode::kRate;
  w.users = 4;
  w.rate = 100;
  const std::vector<std::pair<double, double>> active = {{0, -1}, {1, -1}, {2, -1}, {3, -1}};
  ScheduleFacts f;
  f.duration_s = 4;
  f.activations_s = &active;
  // 25/s each, for 4 + 3 + 2 + 1 seconds
  EXPECT_DOUBLE_EQ(load_model(w.mode).ideal_requests(w, f).value_or(0), 25.0 * 10);
}

TEST(Pacing, RateWarnsWhenEachConnectionHasLessThanTwoMilliseconds) {
  Workload w;
  w.mode = LoadMode::kRate;
  w.users = 1;
  w.rate = 10000;
  EXPECT_NE(load_model(w.mode).warning(w).find("-u 100"), std::string::npos);
  w.users = 100;
  EXPECT_EQ(load_model(w.mode).warning(w), "");
}

}  // namespace
}  // namespace lab

namespace lab {
namespace {

// Locust's constant_pacing: one start every period whatever the response took (at once when it
// took longer); constant: the same wait after each response; the ideal count for each shape.
TEST(Pacing, WaitShapesScheduleAsLocustsWaitTimes) {
  std::string err;
  Workload w;
  w.mode = LoadMode::kUsers;
  w.set_wait(*parse_wait("pacing:5s", err));
  Rng rng(3);
  auto p = load_model(w.mode).pacing(w, w.stages, 0, rng);
  const PaceClock::time_point t0{};
  EXPECT_DOUBLE_EQ(secs(p->next(t0, t0 + std::chrono::seconds(1)) - t0), 5) << "a fast response: the period";
  EXPECT_DOUBLE_EQ(secs(p->next(t0, t0 + std::chrono::seconds(7)) - t0), 7) << "a slow one: at once";
  w.set_wait(*parse_wait("constant:2s", err));
  auto c = load_model(w.mode).pacing(w, w.stages, 0, rng);
  EXPECT_DOUBLE_EQ(secs(c->next(t0, t0 + std::chrono::seconds(1)) - t0), 3) << "2 s after the response";
  // a request's own shape (a scenario's per-request think) rules for that request
  ThinkRange own{0.5, 0.5, parse_wait("pacing:500ms", err)};
  EXPECT_DOUBLE_EQ(secs(c->next_after(t0, t0 + std::chrono::milliseconds(100), own) - t0), 0.5);

  EXPECT_DOUBLE_EQ(expected_requests(*parse_wait("pacing:5s", err), 60), 12) << "at 0, 5, ..., 55: before the end";
  EXPECT_DOUBLE_EQ(expected_requests(*parse_wait("constant:2s", err), 9.9), 5);
  EXPECT_DOUBLE_EQ(expected_requests(*parse_wait("throughput:0.5", err), 10), 5);
  EXPECT_DOUBLE_EQ(expected_requests(*parse_wait("poisson:2s", err), 60), 31) << "1 + t / mean";
  EXPECT_NEAR(expected_requests(*parse_wait("between:1s,5s", err), 3600),
              IdealUserSchedule(1, 5).expected_requests(3600), 1e-9);

  // the users model's ideal count follows the shape (20 users active 60 s, pacing 5 s: 12 each)
  const std::vector<std::pair<double, double>> active(20, {0.0, -1.0});
  ScheduleFacts f;
  f.duration_s = 60;
  f.activations_s = &active;
  w.set_wait(*parse_wait("pacing:5s", err));
  EXPECT_DOUBLE_EQ(*load_model(w.mode).ideal_requests(w, f), 20 * 12);
  // between is the bounds themselves, no shape beside them
  w.set_wait(*parse_wait("between:2s,4s", err));
  EXPECT_FALSE(w.wait_shape);
  EXPECT_DOUBLE_EQ(w.wait_min_s, 2);
  EXPECT_DOUBLE_EQ(w.wait_max_s, 4);
}

}  // namespace
}  // namespace lab
