#include "common/histogram.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace lab {

namespace {
constexpr std::uint64_t kSub = 1ull << Histogram::kSubBucketBits;  // 2048
constexpr std::uint64_t kHalf = kSub / 2;                          // 1024
}  // namespace

std::size_t Histogram::index_of(std::uint64_t v) {
  if (v < kSub) return static_cast<std::size_t>(v);
  const int msb = 63 - __builtin_clzll(v);
  const int shift = msb - (kSubBucketBits - 1);  // >= 1
  return static_cast<std::size_t>(shift) * kHalf + static_cast<std::size_t>(v >> shift);
}

std::uint64_t Histogram::lowest_at(std::size_t i) {
  if (i < kSub) return i;
  const std::uint64_t shift = i / kHalf - 1;
  const std::uint64_t sub = i % kHalf + kHalf;
  return sub << shift;
}

std::uint64_t Histogram::width_at(std::size_t i) {
  if (i < kSub) return 1;
  return 1ull << (i / kHalf - 1);
}

std::size_t Histogram::bucket_count() { return index_of(kMaxValue) + 1; }

Histogram::Histogram() : counts_(bucket_count(), 0) {}

void Histogram::record(std::uint64_t ns) {
  if (ns > kMaxValue) {
    ns = kMaxValue;
    ++clamped_;
  }
  ++counts_[index_of(ns)];
  ++total_;
  sum_ += ns;
  if (ns < min_) min_ = ns;
  if (ns > max_) max_ = ns;
}

void Histogram::record_series(std::uint64_t first, std::uint64_t step, std::uint64_t count) {
  if (count == 0) return;
  if (step == 0 || count == 1) {
    for (std::uint64_t i = 0; i < count && i < 2; ++i) record(first);
    if (count > 2) {  // the same value many times
      const std::uint64_t v = first > kMaxValue ? kMaxValue : first;
      counts_[index_of(v)] += count - 2;
      total_ += count - 2;
      sum_ += (count - 2) * v;
      if (first > kMaxValue) clamped_ += count - 2;
    }
    return;
  }
  const std::uint64_t last = first - (count - 1) * step;  // the smallest value
  // Values above the range are clamped to it, as record() does.
  std::uint64_t over = 0;
  if (first > kMaxValue) over = std::min(count, (first - kMaxValue + step - 1) / step);  // i < over: v > max
  if (over) {
    counts_[index_of(kMaxValue)] += over;
    total_ += over;
    sum_ += over * kMaxValue;
    clamped_ += over;
    max_ = kMaxValue;
    if (kMaxValue < min_ && over == count) min_ = kMaxValue;
  }
  if (over == count) return;
  const std::uint64_t top = first - over * step;  // the largest value in range
  // Bucket by bucket from the smallest value's: the i whose value lies in [lo, lo + width).
  for (std::size_t b = index_of(last), end = index_of(top); b <= end; ++b) {
    const std::uint64_t lo = lowest_at(b), hi = lo + width_at(b);  // [lo, hi)
    // value(i) = first - i*step in [lo, hi)  <=>  (first - hi) / step < i <= (first - lo) / step
    const std::uint64_t i_max = lo > first ? 0 : (first - lo) / step;
    const std::uint64_t i_min = hi > first ? 0 : (first - hi) / step + 1;
    const std::uint64_t a = std::max(i_min, over), z = std::min(i_max, count - 1);
    if (lo > first || a > z) continue;
    const std::uint64_t n = z - a + 1;
    counts_[b] += n;
    total_ += n;
    // the sum of first - i*step for i in [a, z]
    sum_ += n * first - step * ((a + z) * n / 2);
  }
  if (last < min_) min_ = last;
  if (top > max_) max_ = top;
}

void Histogram::merge(const Histogram& o) {
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += o.counts_[i];
  total_ += o.total_;
  sum_ += o.sum_;
  clamped_ += o.clamped_;
  if (o.total_) {
    if (o.min_ < min_) min_ = o.min_;
    if (o.max_ > max_) max_ = o.max_;
  }
}

void Histogram::add_to_bucket(std::size_t index, std::uint64_t n) {
  if (index >= counts_.size() || n == 0) return;
  counts_[index] += n;
  total_ += n;
  const std::uint64_t lo = lowest_at(index), width = width_at(index);
  sum_ += n * (lo + width / 2);
  if (lo < min_) min_ = lo;
  if (lo + width - 1 > max_) max_ = lo + width - 1;
}

void Histogram::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  total_ = sum_ = max_ = clamped_ = 0;
  min_ = UINT64_MAX;
}

std::uint64_t Histogram::percentile(double p) const {
  if (total_ == 0) return 0;
  if (p >= 100.0) return max_;
  if (p <= 0.0) return min();
  auto rank = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(total_)));
  if (rank == 0) rank = 1;
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      std::uint64_t v = lowest_at(i) + width_at(i) / 2;
      if (v > max_) v = max_;
      if (v < min_) v = min_;
      return v;
    }
  }
  return max_;
}

nlohmann::json Histogram::to_json() const {
  nlohmann::json counts = nlohmann::json::array();
  for (std::size_t i = 0; i < counts_.size(); ++i)
    if (counts_[i]) counts.push_back({i, counts_[i]});
  return {{"unit", "ns"},
          {"layout", "log-linear"},
          {"sub_bucket_bits", kSubBucketBits},
          {"max_value", kMaxValue},
          {"count", total_},
          {"sum", sum_},
          {"min", min()},
          {"max", max_},
          {"clamped", clamped_},
          {"counts", std::move(counts)}};
}

Histogram Histogram::from_json(const nlohmann::json& j) {
  auto fail = [](const std::string& what) -> void { throw std::runtime_error("histogram: " + what); };
  if (!j.is_object()) fail("must be an object");
  auto field = [&](const char* k) -> const nlohmann::json& {
    if (!j.contains(k)) fail(std::string("missing field '") + k + "'");
    return j.at(k);
  };
  // A count or a nanosecond value: a non-negative integer (a float such as 3E+11 is refused,
  // converting it would be undefined behaviour when out of range).
  auto uint_field = [&](const char* k) -> std::uint64_t {
    const auto& v = field(k);
    if (!v.is_number_unsigned()) fail(std::string("'") + k + "' must be a non-negative integer");
    return v.get<std::uint64_t>();
  };
  const auto& bits = field("sub_bucket_bits");
  const auto& unit = field("unit");
  if (!bits.is_number_integer() || bits.get<std::int64_t>() != kSubBucketBits || !unit.is_string() ||
      unit.get<std::string>() != "ns")
    fail("unsupported layout (sub_bucket_bits must be " + std::to_string(kSubBucketBits) + ", unit \"ns\")");
  Histogram h;
  const auto n = bucket_count();
  const auto& counts = field("counts");
  if (!counts.is_array()) fail("'counts' must be an array");
  for (const auto& pair : counts) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_number_unsigned() || !pair[1].is_number_unsigned())
      fail("'counts' entries must be [index, count] of non-negative integers");
    const auto i = pair[0].get<std::uint64_t>();
    const auto c = pair[1].get<std::uint64_t>();
    if (i >= n) fail("bucket index out of range in 'counts'");
    if (h.total_ + c < h.total_) fail("'counts' overflow");
    h.counts_[i] += c;
    h.total_ += c;
  }
  if (h.total_ != uint_field("count")) fail("'count' does not match the sum of 'counts'");
  h.sum_ = uint_field("sum");
  h.max_ = uint_field("max");
  h.min_ = h.total_ ? uint_field("min") : UINT64_MAX;
  h.clamped_ = j.contains("clamped") ? uint_field("clamped") : 0;
  if (h.total_ && (h.min_ > h.max_ || h.max_ > kMaxValue)) fail("'min'/'max' out of range");
  return h;
}

}  // namespace lab
