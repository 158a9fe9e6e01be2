// The Universal Scalability Law fit: known contention and coherency recovered, noisy points, too
// few points, each curve's shape named.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "loadgen/capacity/usl.h"

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

namespace {
// The sweep's points of a USL curve with multiplicative Gaussian noise (`noise` standard
// deviation), as a real sweep measures them.
std::vector<lab::UslPoint> noisy(double lambda, double sigma, double kappa, double noise, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> e(0, noise);
  std::vector<lab::UslPoint> v;
  for (double n : {1, 2, 4, 8, 16, 32, 64})
    v.push_back({n, lambda * n / (1 + sigma * (n - 1) + kappa * n * (n - 1)) * (1 + e(rng))});
  return v;
}
}  // namespace

// Each shape with 2% noise, over many draws: linear data stay linear, contention-only data get
// no peak (the old fit found one, e.g. N* = 223, whenever noise made a tiny kappa pay), and
// coherency is found with its peak near the truth.
TEST(Usl, EachShapeWithNoiseIsRecognised) {
  int spurious_peaks = 0, missed_peaks = 0;
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    const auto linear = lab::fit_usl(noisy(1000, 0, 0, 0.02, seed));
    ASSERT_TRUE(linear);
    EXPECT_LT(linear->sigma, 0.01) << "seed " << seed;
    EXPECT_NEAR(linear->lambda, 1000, 40) << "seed " << seed;
    if (linear->n_star) ++spurious_peaks;

    const auto contention = lab::fit_usl(noisy(1000, 0.05, 0, 0.02, seed));
    ASSERT_TRUE(contention);
    EXPECT_NEAR(contention->sigma, 0.05, 0.02) << "seed " << seed;
    EXPECT_NEAR(contention->lambda, 1000, 60) << "seed " << seed;
    if (contention->n_star) ++spurious_peaks;

    const auto coherency = lab::fit_usl(noisy(1000, 0.02, 0.0005, 0.02, seed));
    ASSERT_TRUE(coherency);
    if (!coherency->n_star)
      ++missed_peaks;
    else
      EXPECT_NEAR(*coherency->n_star, std::sqrt(0.98 / 0.0005), 15) << "seed " << seed;
  }
  // The F-test's 5% false alarm rate: a stray peak now and then, never as a rule.
  EXPECT_LE(spurious_peaks, 6) << "of 60 fits of data without a peak";
  EXPECT_LE(missed_peaks, 2) << "of 30 fits of data with a peak at N = 44";
}
