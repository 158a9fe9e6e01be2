#include <gtest/gtest.h>

#include <cmath>

#include "loadgen/usl.h"

namespace {
std::vector<lab::UslPoint> points(double lambda, double sigma, double kappa, double noise = 0) {
  std::vector<lab::UslPoint> v;
  int k = 0;
  for (double n : {1, 2, 4, 8, 16, 32, 64, 128}) {
    const double x = lambda * n / (1 + sigma * (n - 1) + kappa * n * (n - 1));
    v.push_back({n, x * (1 + noise * ((k++ % 2) ? 1 : -1))});
  }
  return v;
}
}  // namespace

TEST(Usl, RecoversKnownContentionAndCoherency) {
  auto fit = lab::fit_usl(points(1000, 0.05, 0.001));
  ASSERT_TRUE(fit);
  EXPECT_NEAR(fit->sigma, 0.05, 0.002);
  EXPECT_NEAR(fit->kappa, 0.001, 0.0001);
  EXPECT_NEAR(fit->lambda, 1000, 5);
  EXPECT_GT(fit->r2, 0.999);
  ASSERT_TRUE(fit->n_star);
  EXPECT_NEAR(*fit->n_star, std::sqrt(0.95 / 0.001), 2.0);
}

TEST(Usl, PureContentionHasNoPeak) {
  auto fit = lab::fit_usl(points(500, 0.2, 0));
  ASSERT_TRUE(fit);
  EXPECT_NEAR(fit->sigma, 0.2, 0.005);
  EXPECT_LT(fit->kappa, 1e-6);
  EXPECT_NEAR(fit->x_max, 500 / 0.2, 100);
}

TEST(Usl, NoisyPointsStillFitAndSayHowWell) {
  auto clean = lab::fit_usl(points(2000, 0.1, 0.0005));
  auto noisy = lab::fit_usl(points(2000, 0.1, 0.0005, 0.05));
  ASSERT_TRUE(clean && noisy);
  EXPECT_NEAR(noisy->sigma, 0.1, 0.05);
  EXPECT_LT(noisy->r2, clean->r2);
  EXPECT_GT(noisy->r2, 0.9);
}

TEST(Usl, TooFewPointsIsNoFit) {
  EXPECT_FALSE(lab::fit_usl({{1, 100}, {2, 190}}));
  EXPECT_FALSE(lab::fit_usl({{1, 100}, {1, 110}, {2, 190}}));
}
