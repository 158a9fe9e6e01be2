#include "loadgen/schedule.h"

#include <algorithm>
#include <cmath>

namespace lab {

IdealUserSchedule::IdealUserSchedule(double wait_min, double wait_max, double t_max)
    : a_(wait_min), b_(wait_max), dt_(std::max(0.005, t_max / 20000)) {
  if (b_ <= a_) return;  // deterministic waits: closed form below
  const std::size_t n = static_cast<std::size_t>(t_max / dt_) + 2;
  m_.assign(n, 0.0);
  const double width = b_ - a_;
  // m(t) = F(t) + integral_0^t m(t - x) f(x) dx, with f = 1/width on [a, b].
  for (std::size_t i = 1; i < n; ++i) {
    const double t = static_cast<double>(i) * dt_;
    double F = std::clamp((t - a_) / width, 0.0, 1.0);
    double conv = 0;
    // x over [a, min(b, t)], midpoint rule
    const double hi = std::min(b_, t);
    for (double x = a_ + dt_ / 2; x < hi; x += dt_) {
      const double u = (t - x) / dt_;
      const auto k = static_cast<std::size_t>(u);
      const double frac = u - static_cast<double>(k);
      const double mv = k + 1 < i ? m_[k] * (1 - frac) + m_[k + 1] * frac : m_[std::min(k, i - 1)];
      conv += mv * dt_ / width;
    }
    m_[i] = F + conv;
  }
}

double IdealUserSchedule::expected_requests(double t) const {
  if (t < 0) return 0;
  if (b_ <= a_) return a_ > 0 ? 1 + std::floor(t / a_) : 0;
  const double u = t / dt_;
  auto k = static_cast<std::size_t>(u);
  if (k + 1 >= m_.size()) return 1 + m_.back();
  const double frac = u - static_cast<double>(k);
  return 1 + m_[k] * (1 - frac) + m_[k + 1] * frac;
}

}  // namespace lab
