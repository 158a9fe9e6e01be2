#pragma once
// The ideal schedule: how many requests a perfect client would have sent, so a run can say how
// closely it kept to it (schedule fidelity) instead of hiding that it fell behind.
#include <map>

#include "loadgen/shape/wait.h"

namespace lab {

/// Expected requests of one user active for t seconds: its first at once, then one after each
/// think time drawn from U(wait_min, wait_max) (response times taken as zero). That is
/// 1 + m(t), with m(t) = sum over n >= 1 of P(S_n <= t), S_n the sum of n think times.
///
/// Computed term by term, only where P(S_n <= t) is neither 0 nor 1 (about 16 standard
/// deviations of S_n wide): exactly (the Irwin-Hall distribution) for n <= 12, and beyond by
/// the normal distribution with the Edgeworth term for the uniform's kurtosis (error O(1/n^2)).
/// Right for every range and duration, narrow or wide, a second or a day: no grid whose step
/// could exceed the spread of the waits.
class IdealUserSchedule {
 public:
  IdealUserSchedule(double wait_min, double wait_max);
  double expected_requests(double t) const;

 private:
  double term(long n, double t) const;  // P(S_n <= t)
  double a_, b_;
  mutable std::map<double, double> cache_;  // by t: many users share their active time
};

/// Expected requests of one user active for t seconds with this wait shape, responses taken as
/// instant: its first at once, then one per wait. between: IdealUserSchedule; poisson: 1 + t/mean
/// (a Poisson process); constant, pacing, throughput: one every gap, the starts before t.
double expected_requests(const WaitShape& w, double t);

}  // namespace lab
