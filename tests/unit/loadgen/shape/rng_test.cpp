// Each user's random stream: xoshiro as its reference, small enough for tens of thousands of users,
// unrelated across seeds.
#include "loadgen/shape/rng.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace lab {
namespace {

TEST(Rng, FollowsTheReferenceXoshiro256StarStarSeededBySplitmix64) {
  // From a Python transcription of the authors' C code (xoshiro256starstar.c, splitmix64.c).
  Rng rng(12345);
  EXPECT_EQ(rng(), 0xbe6a36374160d49bull);
  EXPECT_EQ(rng(), 0x214aaa0637a688c6ull);
  EXPECT_EQ(rng(), 0xf69d16de9954d388ull);
}

TEST(Rng, IsSmallEnoughForTensOfThousandsOfUsers) { EXPECT_EQ(sizeof(Rng), 32u); }

TEST(Rng, UsersWithConsecutiveSeedsDrawUnrelatedThinkTimes) {
  // Users' seeds are consecutive: their first think times (U(1 s, 5 s)) must still spread
  // evenly over the range and average 3 s, and neighbours must not follow each other.
  constexpr int kUsers = 20000;
  std::vector<int> bins(8);
  double sum = 0, neighbour_product = 0, prev = 0;
  for (int k = 0; k < kUsers; ++k) {
    Rng rng(7 * 1000003u + static_cast<std::uint64_t>(k));
    const double x = std::uniform_real_distribution<double>(1, 5)(rng);
    sum += x;
    ++bins[static_cast<std::size_t>((x - 1) / 0.5)];
    if (k > 0) neighbour_product += (x - 3) * (prev - 3);
    prev = x;
  }
  EXPECT_NEAR(sum / kUsers, 3.0, 0.03);
  for (int b : bins) EXPECT_NEAR(b, kUsers / 8, kUsers / 8 * 0.08);
  // the correlation of neighbours' draws (variance of U(1,5) is 16/12)
  EXPECT_NEAR(neighbour_product / (kUsers - 1) / (16.0 / 12), 0.0, 0.05);
}

}  // namespace
}  // namespace lab
