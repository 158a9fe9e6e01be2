#pragma once
// The Universal Scalability Law (Gunther): throughput at concurrency N is
//   X(N) = lambda N / (1 + sigma (N - 1) + kappa N (N - 1))
// with lambda the throughput of one client alone, sigma contention (the serial share: queueing
// for a shared resource) and kappa coherency (the cost of keeping shared state consistent,
// which makes throughput fall past a peak at N* = sqrt((1 - sigma) / kappa)).
#include <optional>
#include <vector>

namespace lab {

struct UslPoint {
  double n = 0, x = 0;  // concurrency, throughput
};

struct UslFit {
  double lambda = 0, sigma = 0, kappa = 0;
  double r2 = 0;                 // 1 - SSE/SST of the fit over the points
  std::optional<double> n_star;  // the peak's concurrency (none when kappa is 0)
  double x_max = 0;              // the model's throughput at n_star (or as N grows, 1/sigma x lambda)
  double at(double n) const { return lambda * n / (1 + sigma * (n - 1) + kappa * n * (n - 1)); }
};

/// Non-linear least squares with sigma, kappa >= 0: for each (sigma, kappa) the best lambda is
/// exact (the model is linear in it). Three nested models are fitted (linear; contention only,
/// kappa = 0; both, kappa > 0, which needs 4 distinct N) and the richer one is kept only when an
/// F-test (95%) says its smaller residual is more than noise, so noisy contention-only data get
/// no spurious peak. Needs at least 3 points with distinct N.
std::optional<UslFit> fit_usl(const std::vector<UslPoint>& points);

}  // namespace lab
