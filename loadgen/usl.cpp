#include "loadgen/usl.h"

#include <cmath>
#include <limits>
#include <set>

namespace lab {

namespace {

struct Eval {
  double lambda = 0, sse = std::numeric_limits<double>::infinity();
};

Eval evaluate(const std::vector<UslPoint>& pts, double sigma, double kappa) {
  double fx = 0, ff = 0;
  for (const auto& p : pts) {
    const double f = p.n / (1 + sigma * (p.n - 1) + kappa * p.n * (p.n - 1));
    fx += f * p.x;
    ff += f * f;
  }
  Eval e;
  if (ff <= 0) return e;
  e.lambda = fx / ff;
  e.sse = 0;
  for (const auto& p : pts) {
    const double f = p.n / (1 + sigma * (p.n - 1) + kappa * p.n * (p.n - 1));
    e.sse += (p.x - e.lambda * f) * (p.x - e.lambda * f);
  }
  return e;
}

}  // namespace

std::optional<UslFit> fit_usl(const std::vector<UslPoint>& points) {
  std::set<double> ns;
  for (const auto& p : points) ns.insert(p.n);
  if (ns.size() < 3) return std::nullopt;
  // kappa grid: 0, then 1e-8 .. 1 on a log scale; sigma: 0 .. 1.
  double best_s = 0, best_lk = -99;  // log10 kappa; -99 stands for kappa = 0
  Eval best;
  auto kappa_of = [](double lk) { return lk <= -98 ? 0.0 : std::pow(10.0, lk); };
  auto consider = [&](double s, double lk) {
    if (s < 0 || s > 1) return;
    const Eval e = evaluate(points, s, kappa_of(lk));
    if (e.sse < best.sse) {
      best = e;
      best_s = s;
      best_lk = lk;
    }
  };
  for (int i = 0; i <= 100; ++i) {
    const double s = i / 100.0;
    consider(s, -99);
    for (int j = 0; j <= 80; ++j) consider(s, -8 + j * 0.1);
  }
  // Refine: shrink a box around the best point (kappa = 0 stays a candidate).
  double ds = 0.01, dlk = 0.1;
  for (int round = 0; round < 6; ++round) {
    const double s0 = best_s, lk0 = best_lk <= -98 ? -8 : best_lk;
    for (int i = -10; i <= 10; ++i)
      for (int j = -10; j <= 10; ++j) consider(s0 + i * ds / 10, lk0 + j * dlk / 10);
    ds /= 10;
    dlk /= 10;
  }
  UslFit fit;
  fit.sigma = best_s;
  fit.kappa = kappa_of(best_lk);
  fit.lambda = best.lambda;
  double mean = 0;
  for (const auto& p : points) mean += p.x;
  mean /= static_cast<double>(points.size());
  double sst = 0;
  for (const auto& p : points) sst += (p.x - mean) * (p.x - mean);
  fit.r2 = sst > 0 ? 1 - best.sse / sst : 1;
  if (fit.kappa > 0) {
    fit.n_star = std::sqrt((1 - fit.sigma) / fit.kappa);
    fit.x_max = fit.at(*fit.n_star);
  } else {
    fit.x_max = fit.sigma > 0 ? fit.lambda / fit.sigma : std::numeric_limits<double>::infinity();
  }
  return fit;
}

}  // namespace lab
