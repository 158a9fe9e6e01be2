#include "common/histogram.h"

#include <cmath>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace lab {

namespace {
constexpr std::uint64_t kSub = 1ull << Histogram::kSubBucketBits;  // 2048
constexpr std::uint64_t kHalf = kSub / 2;                           // 1024
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
  return {{"unit", "ns"},         {"layout", "log-linear"}, {"sub_bucket_bits", kSubBucketBits},
          {"max_value", kMaxValue}, {"count", total_},        {"sum", sum_},
          {"min", min()},           {"max", max_},            {"clamped", clamped_},
          {"counts", std::move(counts)}};
}

Histogram Histogram::from_json(const nlohmann::json& j) {
  auto need = [&](const char* k) -> const nlohmann::json& {
    if (!j.is_object() || !j.contains(k)) throw std::runtime_error(std::string("histogram: missing field '") + k + "'");
    return j.at(k);
  };
  if (need("sub_bucket_bits").get<int>() != kSubBucketBits || need("unit").get<std::string>() != "ns")
    throw std::runtime_error("histogram: unsupported layout (sub_bucket_bits/unit)");
  Histogram h;
  const auto n = bucket_count();
  for (const auto& pair : need("counts")) {
    if (!pair.is_array() || pair.size() != 2) throw std::runtime_error("histogram: 'counts' entries must be [index, count]");
    auto i = pair[0].get<std::size_t>();
    auto c = pair[1].get<std::uint64_t>();
    if (i >= n) throw std::runtime_error("histogram: bucket index out of range in 'counts'");
    h.counts_[i] += c;
    h.total_ += c;
  }
  if (h.total_ != need("count").get<std::uint64_t>())
    throw std::runtime_error("histogram: 'count' does not match the sum of 'counts'");
  h.sum_ = need("sum").get<std::uint64_t>();
  h.max_ = need("max").get<std::uint64_t>();
  h.min_ = h.total_ ? need("min").get<std::uint64_t>() : UINT64_MAX;
  h.clamped_ = j.value("clamped", std::uint64_t{0});
  return h;
}

}  // namespace lab
