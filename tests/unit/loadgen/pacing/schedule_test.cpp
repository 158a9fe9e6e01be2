// The users mode's ideal request count, against a simulation, for every think-time range and
// duration.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "loadgen/pacing/schedule.h"

namespace {

// Mean and standard deviation of the number of requests a simulated user sends in t seconds:
// the first at once, then one after each U(a, b) think time.
struct Sim {
  double mean = 0, sd = 0;
};
Sim simulate(double a, double b, double t, int trials, std::uint64_t seed) {
  lab::Rng rng(seed);
  std::uniform_real_distribution<double> think(a, b);
  double sum = 0, sq = 0;
  for (int i = 0; i < trials; ++i) {
    double at = 0;
    double n = 0;
    while (at <= t) {
      ++n;
      at += think(rng);
    }
    sum += n;
    sq += n * n;
  }
  const double mean = sum / trials;
  return {mean, std::sqrt(std::max(0.0, sq / trials - mean * mean))};
}

}  // namespace

// The expected count against simulation over a grid of think-time ranges (narrow, medium and
// wide; from 0 and away from it) and durations (shorter than a wait, to an hour). The grid
// includes the case that defeated the old fixed-step integration: waits of 50-100 ms over an
// hour, where it reported 2 requests per user instead of about 48,000.
TEST(IdealSchedule, MatchesSimulationForEveryRangeAndDuration) {
  lab::IdealUserSchedule probe(0.05, 0.1);
  EXPECT_NEAR(probe.expected_requests(3600), 1 + 3600 / 0.075, 3600 / 0.075 * 0.002);
  std::uint64_t seed = 1;
  for (double a : {0.0, 0.05, 1.0}) {
    for (double width : {0.001, 0.05, 4.0}) {
      const double b = a + width;
      lab::IdealUserSchedule sched(a, b);
      for (double t : {0.02, 0.5, 10.0, 60.0, 3600.0}) {
        const double mean = (a + b) / 2, per_trial = t / mean + 2;
        if (per_trial > 2e5) {  // millions of waits per user: the renewal theorem's second order instead
          const double ex2 = (a * a + a * b + b * b) / 3;
          EXPECT_NEAR(sched.expected_requests(t), t / mean + ex2 / (2 * mean * mean), 1e-4 * t / mean)
              << "waits " << a << "-" << b << " s over " << t << " s";
          continue;
        }
        const int trials = static_cast<int>(std::clamp(8e5 / per_trial, 40.0, 20000.0));
        const Sim sim = simulate(a, b, t, trials, ++seed);
        const double tol = 5 * sim.sd / std::sqrt(trials) + 1e-3 * sim.mean + 1e-6;
        EXPECT_NEAR(sched.expected_requests(t), sim.mean, tol)
            << "waits " << a << "-" << b << " s over " << t << " s (" << trials << " simulated users)";
      }
    }
  }
}

TEST(IdealSchedule, DeterministicWaits) {
  lab::IdealUserSchedule sched(2, 2);
  EXPECT_EQ(sched.expected_requests(0), 1);
  EXPECT_EQ(sched.expected_requests(5), 3);
}

TEST(IdealSchedule, NothingBeforeTheStart) {
  lab::IdealUserSchedule sched(1, 5);
  EXPECT_EQ(sched.expected_requests(-1), 0);
  EXPECT_EQ(sched.expected_requests(0), 1);
}
