// The latency histogram: its bucket layout, every value within a thousandth, percentiles against a
// sorted reference, exact merges, its JSON.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <random>
#include <vector>

#include "common/histogram.h"

using lab::Histogram;

TEST(Histogram, IndexLayoutIsContiguousAndMonotonic) {
  for (std::size_t i = 0; i + 1 < Histogram::bucket_count(); ++i) {
    EXPECT_EQ(Histogram::lowest_at(i) + Histogram::width_at(i), Histogram::lowest_at(i + 1)) << i;
    EXPECT_EQ(Histogram::index_of(Histogram::lowest_at(i)), i);
    EXPECT_EQ(Histogram::index_of(Histogram::lowest_at(i + 1) - 1), i);
  }
}

TEST(Histogram, EveryValueIsReportedWithinAThousandthOfItself) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> exp10(0, 10.7);  // 1 ns .. ~50 s
  // A percentile is reported as its bucket's midpoint (clamped to the recorded min and max):
  // every value's bucket midpoint must be within 1/1000 of it. The bucket arithmetic is checked
  // directly (a Histogram per value would zero 216 KiB 200,000 times: minutes under ASan).
  for (int i = 0; i < 200000; ++i) {
    auto v = static_cast<std::uint64_t>(std::pow(10.0, exp10(rng)));
    const std::size_t b = Histogram::index_of(v);
    ASSERT_GE(v, Histogram::lowest_at(b)) << v;
    ASSERT_LT(v, Histogram::lowest_at(b) + std::max<std::uint64_t>(Histogram::width_at(b), 1)) << v;
    const double mid = static_cast<double>(Histogram::lowest_at(b) + Histogram::width_at(b) / 2);
    EXPECT_LE(std::fabs(mid - static_cast<double>(v)), static_cast<double>(v) * 0.001 + 0.5) << v;
  }
  // and through record/percentile, with two values sharing a bucket (no clamping to help)
  Histogram h;
  h.record(1'000'000);
  h.record(1'000'400);
  const double got = static_cast<double>(h.percentile(50));
  EXPECT_LE(std::fabs(got - 1'000'000.0), 1'000'000.0 * 0.001);
}

TEST(Histogram, PercentilesMatchASortedReference) {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> dist(12, 1.5);  // ~160 us median, long tail
  std::vector<std::uint64_t> values;
  Histogram h;
  for (int i = 0; i < 100000; ++i) {
    auto v = static_cast<std::uint64_t>(dist(rng)) + 1;
    values.push_back(std::min(v, Histogram::kMaxValue));
    h.record(v);
  }
  std::sort(values.begin(), values.end());
  for (double p : {1.0, 50.0, 66.0, 90.0, 99.0, 99.9, 99.99}) {
    auto rank = static_cast<std::size_t>(std::ceil(p / 100 * values.size()));
    const double exact = static_cast<double>(values[rank - 1]);
    EXPECT_NEAR(static_cast<double>(h.percentile(p)), exact, exact * 0.001 + 1) << p;
  }
  EXPECT_EQ(h.percentile(100), values.back());
  EXPECT_EQ(h.min(), values.front());
  EXPECT_EQ(h.count(), values.size());
}

TEST(Histogram, MergeIsExact) {
  Histogram a, b, all;
  for (std::uint64_t v = 1; v < 5'000'000; v = v * 3 / 2 + 1) {
    (v % 2 ? a : b).record(v);
    all.record(v);
  }
  a.merge(b);
  EXPECT_EQ(a.to_json(), all.to_json());
}

TEST(Histogram, ClampsAboveTheRangeAndCountsIt) {
  Histogram h;
  h.record(Histogram::kMaxValue * 2);
  EXPECT_EQ(h.clamped(), 1u);
  EXPECT_EQ(h.max(), Histogram::kMaxValue);
}

TEST(Histogram, JsonRoundTripAndErrors) {
  Histogram h;
  for (std::uint64_t v : {100ull, 2000ull, 3'000'000ull, 59'000'000'000ull}) h.record(v);
  Histogram back = Histogram::from_json(h.to_json());
  EXPECT_EQ(back.to_json(), h.to_json());
  EXPECT_EQ(back.percentile(75), h.percentile(75));
  nlohmann::json bad = h.to_json();
  bad["count"] = 99;
  EXPECT_THROW(Histogram::from_json(bad), std::runtime_error);
  bad = h.to_json();
  bad.erase("counts");
  EXPECT_THROW(Histogram::from_json(bad), std::runtime_error);
}

// Numbers of the wrong type or range are errors, not undefined behaviour: the result-file
// fuzzer found "sub_bucket_bits": 3E+11 converted to int (UBSan: out of range).
TEST(Histogram, FromJsonRefusesWrongTypesAndRanges) {
  Histogram h;
  h.record(1000);
  const nlohmann::json good = h.to_json();
  auto with = [&](const char* key, const nlohmann::json& v) {
    nlohmann::json j = good;
    j[key] = v;
    return j;
  };
  EXPECT_THROW(Histogram::from_json(with("sub_bucket_bits", 3e11)), std::runtime_error);
  EXPECT_THROW(Histogram::from_json(with("sub_bucket_bits", "11")), std::runtime_error);
  EXPECT_THROW(Histogram::from_json(with("count", -1)), std::runtime_error);
  EXPECT_THROW(Histogram::from_json(with("sum", 1.5e30)), std::runtime_error);
  EXPECT_THROW(Histogram::from_json(with("max", "big")), std::runtime_error);
  EXPECT_THROW(Histogram::from_json(with("counts", nlohmann::json::array({{1e300, 1}}))), std::runtime_error);
  EXPECT_THROW(Histogram::from_json(with("counts", nlohmann::json::array({{5, -3}}))), std::runtime_error);
  EXPECT_THROW(Histogram::from_json(with("counts", "none")), std::runtime_error);
  EXPECT_THROW(Histogram::from_json(with("min", 5000)), std::runtime_error) << "min above max";
  EXPECT_THROW(Histogram::from_json(nlohmann::json::array()), std::runtime_error);
  EXPECT_NO_THROW(Histogram::from_json(good));
}

TEST(Histogram, EmptyHistogramIsZero) {
  Histogram h;
  EXPECT_EQ(h.percentile(50), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
}

// Unsent slots of a huge rate are recorded as a series in one step (they were recorded one by
// one under the stats lock: 4e7/s made a 1 s run take 2 s, and an interval that rounded to 0 ns
// never ended). The series must land exactly where recording each value would.
TEST(Histogram, ASeriesIsRecordedExactlyAsItsValuesOneByOne) {
  struct Case {
    std::uint64_t first, step, count;
  };
  for (const Case c :
       {Case{1'000'000'000, 25, 40'000'000}, Case{5000, 1, 5001}, Case{70'000'000'000, 1'000'000, 20'000},
        Case{3'000, 0, 7}, Case{123'456'789, 123'456, 1000}, Case{9, 3, 4}}) {
    lab::Histogram series, one_by_one;
    series.record_series(c.first, c.step, c.count);
    if (c.count <= 1'000'000)
      for (std::uint64_t i = 0; i < c.count; ++i) one_by_one.record(c.first - i * c.step);
    else  // too many to record one by one quickly: check the totals
      one_by_one = series;
    ASSERT_EQ(series.count(), c.count);
    for (std::size_t b = 0; b < lab::Histogram::bucket_count(); ++b)
      ASSERT_EQ(series.count_at(b), one_by_one.count_at(b)) << "bucket " << b << " of first " << c.first;
    EXPECT_EQ(series.min(), one_by_one.min());
    EXPECT_EQ(series.max(), one_by_one.max());
    EXPECT_EQ(series.clamped(), one_by_one.clamped());
    EXPECT_NEAR(series.mean(), one_by_one.mean(), 1e-6 * one_by_one.mean() + 1e-9);
  }
  lab::Histogram big;
  big.record_series(1'000'000'000, 25, 40'000'000);
  EXPECT_EQ(big.count(), 40'000'000u);
  EXPECT_EQ(big.min(), 1'000'000'000u - 25u * 39'999'999u);
}
