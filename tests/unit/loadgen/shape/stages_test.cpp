// Load stages: linear ramps between targets, their integral and its inverse (the open-loop
// schedule), and the rate pacing that follows them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "loadgen/pacing/load_model.h"
#include "loadgen/shape/stages.h"

namespace lab {
namespace {

Stages parse(const std::string& s) {
  std::string err;
  auto st = parse_stages(s, err);
  EXPECT_TRUE(st) << err;
  return st.value_or(Stages{});
}

TEST(Stages, RampsLinearlyFromThePreviousTarget) {
  const Stages s = parse("10s:100,20s:100,10s:0");
  EXPECT_DOUBLE_EQ(s.total_s(), 40);
  EXPECT_DOUBLE_EQ(s.max_target(), 100);
  EXPECT_DOUBLE_EQ(s.target_at(0), 0);
  EXPECT_DOUBLE_EQ(s.target_at(5), 50);
  EXPECT_DOUBLE_EQ(s.target_at(20), 100);
  EXPECT_DOUBLE_EQ(s.target_at(35), 50);
  EXPECT_DOUBLE_EQ(s.target_at(99), 0);
}

TEST(Stages, IntegralAndItsInverse) {
  const Stages s = parse("10s:100,20s:100,10s:0");
  EXPECT_DOUBLE_EQ(s.integral_to(10), 500);    // the ramp up: a triangle
  EXPECT_DOUBLE_EQ(s.integral_to(30), 2500);   // plus 20 s at 100
  EXPECT_DOUBLE_EQ(s.integral_to(40), 3000);   // plus the ramp down
  EXPECT_DOUBLE_EQ(s.integral_to(100), 3000);  // nothing after the end
  for (double a : {0.5, 12.5, 500.0, 1700.0, 2999.0}) {
    const auto t = s.time_of_integral(a);
    ASSERT_TRUE(t) << a;
    EXPECT_NEAR(s.integral_to(*t), a, 1e-6) << a;
  }
  EXPECT_NEAR(*s.time_of_integral(12.5), std::sqrt(2.5), 1e-9);  // 10/s^2 * t^2 / 2 = 12.5
  EXPECT_FALSE(s.time_of_integral(3001).has_value()) << "beyond the last arrival";
}

TEST(Stages, MistakesSayTheForm) {
  std::string err;
  for (const char* bad : {"", "30s", "30s:", "x:10", "30s:-1", "30s:10,", "0s:10", "30s:10:5"}) {
    EXPECT_FALSE(parse_stages(bad, err)) << bad;
    EXPECT_NE(err.find("e.g. 30s:100"), std::string::npos) << err;
  }
}

// Two connections share a rate that ramps 0 -> 100/s over 10 s, then holds: their slots
// interleave and follow the integral, so the n-th request overall is due when the integral
// reaches n + 0.5.
TEST(Stages, RatePacingFollowsTheStagesIntegral) {
  Workload w;
  w.mode = LoadMode::kRate;
  w.users = 2;
  w.stages = parse("10s:100,10s:100");
  w.rate = 100;
  Rng rng(1);
  auto a = load_model(w.mode).pacing(w, w.stages, 0, rng), b = load_model(w.mode).pacing(w, w.stages, 1, rng);
  const PaceClock::time_point t0{};
  std::vector<double> due;
  auto ta = a->first(t0), tb = b->first(t0);
  for (int i = 0; i < 50; ++i) {
    due.push_back(std::chrono::duration<double>(ta - t0).count());
    due.push_back(std::chrono::duration<double>(tb - t0).count());
    ta = a->next(ta, ta);
    tb = b->next(tb, tb);
  }
  std::sort(due.begin(), due.end());
  for (std::size_t n = 0; n < due.size(); ++n) EXPECT_NEAR(w.stages.integral_to(due[n]), n + 0.5, 1e-6) << n;
  ScheduleFacts f;
  f.duration_s = 20;
  EXPECT_DOUBLE_EQ(load_model(w.mode).ideal_requests(w, f).value_or(0), 1500);
}

}  // namespace
}  // namespace lab

// A plan changed while the run goes on: the same up to the change, then a ramp (or a step) to the
// new target, held to the end; the integral (the rate's schedule) is unchanged before the change.
TEST(Stages, RetargetKeepsThePastAndRampsToTheNewTarget) {
  const lab::Stages users = lab::Stages::constant(10, 60);
  EXPECT_NEAR(users.target_at(0.001), 10, 1e-9);
  EXPECT_NEAR(users.integral_to(60), 600, 1e-6);
  const lab::Stages more = users.retarget(20, 50, 4, 60);  // +40 users at 10/s
  EXPECT_NEAR(more.target_at(19.9), 10, 1e-9);
  EXPECT_NEAR(more.target_at(22), 30, 1e-9);
  EXPECT_NEAR(more.target_at(30), 50, 1e-9);
  EXPECT_NEAR(more.total_s(), 60, 1e-6);
  EXPECT_NEAR(more.integral_to(20), users.integral_to(20), 1e-6) << "the past does not move";
  const lab::Stages rate = more.retarget(40, 5, 0, 60);  // a step down
  EXPECT_NEAR(rate.target_at(40.001), 5, 1e-6);
  EXPECT_NEAR(rate.integral_to(60) - rate.integral_to(40), 100, 1e-3);
  const lab::Stages ramp = lab::Stages({{10, 100}}).retarget(5, 0, 0, 20);  // cut inside a ramp
  EXPECT_NEAR(ramp.target_at(4.9), 49, 1e-6);
  EXPECT_NEAR(ramp.integral_to(5), 125, 1e-6);
}
