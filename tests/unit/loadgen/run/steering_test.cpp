// The steering policy (run/steering.h): the plan a run starts with, and what each control from
// the live view does to it, in each kind of loop.
#include <gtest/gtest.h>

#include "loadgen/run/steering.h"

namespace lab {
namespace {

Workload users_run(int users, double spawn_rate) {
  Workload w;
  w.users = users;
  w.spawn_rate = spawn_rate;
  w.run_time = std::chrono::seconds(60);
  return w;
}

TEST(Steering, APlanOnlyWhereOneIsGivenOrTheRunIsSteerable) {
  EXPECT_TRUE(initial_plan(users_run(10, 0), users_model(), false).empty());
  const Stages flat = initial_plan(users_run(10, 0), users_model(), true);
  EXPECT_DOUBLE_EQ(flat.target_at(0.5), 10);
  EXPECT_DOUBLE_EQ(flat.target_at(59), 10);
  const Stages ramp = initial_plan(users_run(10, 5), users_model(), true);  // 10 users at 5/s: 2 s
  EXPECT_NEAR(ramp.target_at(1), 5, 1e-9);
  EXPECT_NEAR(ramp.target_at(30), 10, 1e-9);
  Workload open = users_run(10, 0);
  open.rate = 250;
  EXPECT_DOUBLE_EQ(initial_plan(open, rate_model(), true).target_at(3), 250) << "an open loop's plan is its rate";
}

TEST(Steering, UsersAreClampedToTheFileLimitAndRampAtTheirSpawnRate) {
  const Stages now = Stages::constant(10, 60);
  ControlChange c;
  c.users = 50;
  c.spawn_rate = 10;
  const auto s = steer_step(c, users_model(), now, 20, 60, 30);
  ASSERT_TRUE(s && s->plan);
  EXPECT_EQ(s->change["users"], 30);
  EXPECT_EQ(s->change["limited_by"], "the open-file limit: at most 30 users");
  EXPECT_NEAR(s->plan->target_at(20), 10, 1e-9);
  EXPECT_NEAR(s->plan->target_at(21), 20, 1e-9) << "20 more users at 10/s take 2 s";
  EXPECT_NEAR(s->plan->target_at(40), 30, 1e-9);
  EXPECT_DOUBLE_EQ(s->change["t"].get<double>(), 20);
}

TEST(Steering, AControlForTheOtherLoopIsRefusedAndAStopEndsTheRun) {
  const Stages now = Stages::constant(10, 60);
  ControlChange rate;
  rate.rate = 100;
  EXPECT_FALSE(steer_step(rate, users_model(), now, 5, 60, 100)) << "a closed loop has no rate";
  ControlChange users;
  users.users = 5;
  EXPECT_FALSE(steer_step(users, rate_model(), now, 5, 60, 100)) << "an open loop has no users to steer";
  const auto r = steer_step(rate, rate_model(), now, 5, 60, 100);
  ASSERT_TRUE(r && r->plan);
  EXPECT_DOUBLE_EQ(r->plan->target_at(6), 100) << "a rate changes at once";
  ControlChange stop;
  stop.stop = true;
  const auto s = steer_step(stop, users_model(), now, 7.25, 60, 100);
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->stop);
  EXPECT_FALSE(s->plan);
  EXPECT_EQ(s->change["stop"], true);
}

}  // namespace
}  // namespace lab
