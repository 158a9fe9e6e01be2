#include "loadgen/pacing/schedule.h"

#include <algorithm>
#include <cmath>

namespace lab {

namespace {

// P(U_1 + ... + U_n <= x) for U_i ~ U(0, 1) (the Irwin-Hall distribution), n small.
double irwin_hall_cdf(long n, double x) {
  if (x <= 0) return 0;
  if (x >= static_cast<double>(n)) return 1;
  double sum = 0, binom = 1, fact = 1;
  for (long k = 1; k <= n; ++k) fact *= static_cast<double>(k);
  for (long k = 0; k <= static_cast<long>(std::floor(x)); ++k) {
    sum += (k % 2 ? -1.0 : 1.0) * binom * std::pow(x - static_cast<double>(k), static_cast<double>(n));
    binom = binom * static_cast<double>(n - k) / static_cast<double>(k + 1);
  }
  return std::clamp(sum / fact, 0.0, 1.0);
}

constexpr long kExactUpTo = 12;

}  // namespace

IdealUserSchedule::IdealUserSchedule(double wait_min, double wait_max) : a_(wait_min), b_(wait_max) {}

double IdealUserSchedule::term(long n, double t) const {
  const double w = b_ - a_;
  const double nn = static_cast<double>(n);
  if (n <= kExactUpTo) return irwin_hall_cdf(n, (t - nn * a_) / w);
  // S_n = n a + w (U_1 + ... + U_n): mean n(a + w/2), variance n w^2 / 12, excess kurtosis -1.2/n.
  const double z = (t - nn * (a_ + w / 2)) / (w * std::sqrt(nn / 12));
  const double phi = std::exp(-z * z / 2) / std::sqrt(2 * M_PI);
  const double cdf = 0.5 * std::erfc(-z / std::sqrt(2.0)) - phi * (-1.2 / nn) / 24 * (z * z * z - 3 * z);
  return std::clamp(cdf, 0.0, 1.0);
}

double IdealUserSchedule::expected_requests(double t) const {
  if (t < 0) return 0;
  if (!(b_ > a_)) return a_ > 0 ? 1 + std::floor(t / a_) : 0;  // a fixed wait (0: not a schedule)
  if (auto it = cache_.find(t); it != cache_.end()) return it->second;
  const double mean = (a_ + b_) / 2, w = b_ - a_;
  // Terms with n b <= t are 1: n up to floor(t / b) (every wait at its longest still fits); so,
  // to within 1e-19, are those whose mean lies 9 standard deviations below t (found by bisection).
  long sure = b_ > 0 ? static_cast<long>(std::floor(t / b_)) : 0;
  auto far_below = [&](long n) {
    const double nn = static_cast<double>(n);
    return n > kExactUpTo && (t - nn * mean) / (w * std::sqrt(nn / 12)) > 9;
  };
  for (long lo = sure, hi = static_cast<long>(t / mean) + 1; lo + 1 < hi;) {
    const long mid = lo + (hi - lo) / 2;
    if (far_below(mid))
      lo = sure = mid;
    else
      hi = mid;
  }
  double m = static_cast<double>(sure);
  // Beyond, sum until the terms vanish: past the mean by 9 standard deviations (of S_n).
  for (long n = std::max(1L, sure + 1);; ++n) {
    const double nn = static_cast<double>(n);
    if (nn * a_ > t) break;  // even the shortest waits do not fit
    const double p = term(n, t);
    m += p;
    if (nn * mean > t && (t - nn * mean) / (w * std::sqrt(nn / 12)) < -9) break;
    if (n - sure > 50'000'000) break;  // (a bound no real schedule reaches)
  }
  const double r = 1 + m;
  if (cache_.size() < 100'000) cache_.emplace(t, r);
  return r;
}

double expected_requests(const WaitShape& w, double t) {
  if (t < 0) return 0;
  switch (w.kind) {
    case WaitKind::kBetween: return IdealUserSchedule(w.a, w.b).expected_requests(t);
    case WaitKind::kPoisson: return 1 + t / w.a;
    case WaitKind::kConstant:
    case WaitKind::kPacing:
    case WaitKind::kThroughput: return t > 0 ? 1 + std::floor(t / w.mean_gap_s() - 1e-9) : 1;  // starts before the end
  }
  return 1;
}

}  // namespace lab
