#pragma once
// The ideal schedule: how many requests a perfect client would have sent, so a run can say how
// closely it kept to it (schedule fidelity) instead of hiding that it fell behind.
#include <vector>

namespace lab {

/// Expected requests of one user active for t seconds: its first at once, then one after each
/// think time drawn from U(wait_min, wait_max) (response times taken as zero). That is
/// 1 + m(t) with m the renewal function of U(a, b), computed on a grid once up to t_max.
class IdealUserSchedule {
 public:
  IdealUserSchedule(double wait_min, double wait_max, double t_max);
  double expected_requests(double t) const;

 private:
  double a_, b_, dt_;
  std::vector<double> m_;  // m_[i] = m(i * dt)
};

}  // namespace lab
