#include "loadgen/capacity/usl.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace lab {

namespace {

struct Eval {
  double lambda = 0, sse = std::numeric_limits<double>::infinity();
  double sigma = 0, kappa = 0;
};

// For fixed sigma and kappa the best lambda is exact: the model is linear in it.
Eval evaluate(const std::vector<UslPoint>& pts, double sigma, double kappa) {
  double fx = 0, ff = 0;
  for (const auto& p : pts) {
    const double f = p.n / (1 + sigma * (p.n - 1) + kappa * p.n * (p.n - 1));
    fx += f * p.x;
    ff += f * f;
  }
  Eval e;
  e.sigma = sigma;
  e.kappa = kappa;
  if (ff <= 0) return e;
  e.lambda = fx / ff;
  e.sse = 0;
  for (const auto& p : pts) {
    const double f = p.n / (1 + sigma * (p.n - 1) + kappa * p.n * (p.n - 1));
    e.sse += (p.x - e.lambda * f) * (p.x - e.lambda * f);
  }
  return e;
}

// Contention only (kappa = 0): sigma on a fine grid, then golden-section search around the best.
Eval fit_contention(const std::vector<UslPoint>& pts) {
  Eval best = evaluate(pts, 0, 0);
  for (int i = 1; i <= 1000; ++i) {
    const Eval e = evaluate(pts, i / 1000.0, 0);
    if (e.sse < best.sse) best = e;
  }
  double lo = std::max(0.0, best.sigma - 0.001), hi = std::min(1.0, best.sigma + 0.001);
  const double g = (std::sqrt(5.0) - 1) / 2;
  for (int it = 0; it < 60; ++it) {
    const double a = hi - g * (hi - lo), b = lo + g * (hi - lo);
    if (evaluate(pts, a, 0).sse < evaluate(pts, b, 0).sse)
      hi = b;
    else
      lo = a;
  }
  const Eval e = evaluate(pts, (lo + hi) / 2, 0);
  return e.sse < best.sse ? e : best;
}

// Both (kappa > 0): a grid of sigma x log10 kappa, then Nelder-Mead from the best cell.
Eval fit_full(const std::vector<UslPoint>& pts) {
  Eval best;
  for (int i = 0; i <= 100; ++i)
    for (int j = 0; j <= 100; ++j) {
      const Eval e = evaluate(pts, i / 100.0, std::pow(10.0, -10 + j * 0.1));
      if (e.sse < best.sse) best = e;
    }
  // Nelder-Mead on (sigma, log10 kappa), sigma kept in [0, 1].
  auto f = [&](double s, double lk) {
    if (s < 0 || s > 1 || lk < -14 || lk > 2) return std::numeric_limits<double>::infinity();
    return evaluate(pts, s, std::pow(10.0, lk)).sse;
  };
  struct V {
    double s, lk, v;
  };
  const double s0 = best.sigma, lk0 = std::log10(best.kappa);
  V simplex[3] = {{s0, lk0, f(s0, lk0)},
                  {std::min(1.0, s0 + 0.01), lk0, f(std::min(1.0, s0 + 0.01), lk0)},
                  {s0, lk0 + 0.1, f(s0, lk0 + 0.1)}};
  for (int it = 0; it < 400; ++it) {
    std::sort(std::begin(simplex), std::end(simplex), [](const V& a, const V& b) { return a.v < b.v; });
    const double cs = (simplex[0].s + simplex[1].s) / 2, clk = (simplex[0].lk + simplex[1].lk) / 2;
    V& w = simplex[2];
    const V r{2 * cs - w.s, 2 * clk - w.lk, f(2 * cs - w.s, 2 * clk - w.lk)};
    if (r.v < simplex[0].v) {
      const V e{3 * cs - 2 * w.s, 3 * clk - 2 * w.lk, f(3 * cs - 2 * w.s, 3 * clk - 2 * w.lk)};
      w = e.v < r.v ? e : r;
    } else if (r.v < simplex[1].v) {
      w = r;
    } else {
      const V c{(cs + w.s) / 2, (clk + w.lk) / 2, f((cs + w.s) / 2, (clk + w.lk) / 2)};
      if (c.v < w.v) {
        w = c;
      } else {  // shrink towards the best
        for (int k = 1; k < 3; ++k) {
          simplex[k].s = (simplex[k].s + simplex[0].s) / 2;
          simplex[k].lk = (simplex[k].lk + simplex[0].lk) / 2;
          simplex[k].v = f(simplex[k].s, simplex[k].lk);
        }
      }
    }
  }
  std::sort(std::begin(simplex), std::end(simplex), [](const V& a, const V& b) { return a.v < b.v; });
  const Eval e = evaluate(pts, simplex[0].s, std::pow(10.0, simplex[0].lk));
  return e.sse < best.sse ? e : best;
}

// The 95% critical value of F(1, df): a richer model must cut the residual by this much more
// than the noise would.
double f_critical(int df) {
  static const double kTable[] = {0, 161.4, 18.51, 10.13, 7.71, 6.61, 5.99, 5.59, 5.32, 5.12, 4.96};
  if (df <= 0) return std::numeric_limits<double>::infinity();
  if (df <= 10) return kTable[df];
  if (df <= 20) return 4.96 + (4.35 - 4.96) * (df - 10) / 10.0;
  if (df <= 30) return 4.35 + (4.17 - 4.35) * (df - 20) / 10.0;
  return 3.84 + (4.17 - 3.84) * 30.0 / df;
}

// Whether the richer model's fit (sse_rich, with df residual degrees of freedom) is better than
// the simpler one's by more than noise.
bool significant(double sse_simple, double sse_rich, int df) {
  if (!(sse_rich < sse_simple)) return false;
  const double scale = std::max(sse_simple, 1e-300);
  if (sse_simple - sse_rich <= 1e-12 * scale) return false;  // no real improvement
  if (sse_rich <= 1e-15 * scale) return true;                // the richer one fits exactly
  return (sse_simple - sse_rich) / (sse_rich / df) > f_critical(df);
}

}  // namespace

std::optional<UslFit> fit_usl(const std::vector<UslPoint>& points) {
  std::set<double> ns;
  for (const auto& p : points) ns.insert(p.n);
  if (ns.size() < 3) return std::nullopt;
  const int n = static_cast<int>(points.size());
  // Nested models, the simplest that the data do not reject: linear (sigma = kappa = 0), then
  // contention only (kappa = 0), then contention and coherency. Without this, noise alone buys
  // a tiny kappa, and with it a peak that is not there.
  Eval chosen = evaluate(points, 0, 0);
  const Eval contention = fit_contention(points);
  if (significant(chosen.sse, contention.sse, n - 2)) chosen = contention;
  if (ns.size() >= 4) {
    const Eval full = fit_full(points);
    if (significant(chosen.sse, full.sse, n - 3)) chosen = full;
  }
  UslFit fit;
  fit.sigma = chosen.sigma;
  fit.kappa = chosen.kappa;
  fit.lambda = chosen.lambda;
  double mean = 0;
  for (const auto& p : points) mean += p.x;
  mean /= static_cast<double>(points.size());
  double sst = 0;
  for (const auto& p : points) sst += (p.x - mean) * (p.x - mean);
  fit.r2 = sst > 0 ? 1 - chosen.sse / sst : 1;
  if (fit.kappa > 0) {
    fit.n_star = std::sqrt((1 - fit.sigma) / fit.kappa);
    fit.x_max = fit.at(*fit.n_star);
  } else {
    fit.x_max = fit.sigma > 0 ? fit.lambda / fit.sigma : std::numeric_limits<double>::infinity();
  }
  return fit;
}

}  // namespace lab
