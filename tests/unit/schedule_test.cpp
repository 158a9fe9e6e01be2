#include <gtest/gtest.h>

#include <random>

#include "loadgen/schedule.h"

TEST(IdealSchedule, MatchesASimulatedUser) {
  // The expected number of requests of a user with U(1,5) think times over t seconds, against
  // a Monte Carlo estimate with a fixed seed.
  lab::IdealUserSchedule sched(1, 5, 60);
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> think(1, 5);
  for (double t : {0.5, 3.0, 10.0, 45.0, 60.0}) {
    const int trials = 20000;
    double total = 0;
    for (int i = 0; i < trials; ++i) {
      double at = 0;
      int n = 0;
      while (at <= t) {
        ++n;
        at += think(rng);
      }
      total += n;
    }
    EXPECT_NEAR(sched.expected_requests(t), total / trials, 0.02 * total / trials + 0.02) << t;
  }
}

TEST(IdealSchedule, DeterministicWaits) {
  lab::IdealUserSchedule sched(2, 2, 10);
  EXPECT_EQ(sched.expected_requests(0), 1);
  EXPECT_EQ(sched.expected_requests(5), 3);
}
