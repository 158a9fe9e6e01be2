#pragma once
// Log-linear latency histogram in nanoseconds (HdrHistogram's layout with 3 significant
// digits): values below 2048 ns are exact, above that each power of two is split in 1024
// equal sub-buckets, so a recorded value is reported within 1/2048 (0.05%) of itself.
// Range 1 ns .. 60 s (larger values are clamped and counted). Histograms merge exactly.
#include <cstdint>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace lab {

/// Nanoseconds (the histograms' unit) as milliseconds (the outputs' unit).
inline double ns_to_ms(std::uint64_t ns) { return static_cast<double>(ns) / 1e6; }

class Histogram {
 public:
  static constexpr std::uint64_t kMaxValue = 60'000'000'000ull;  // 60 s in ns
  static constexpr int kSubBucketBits = 11;

  Histogram();
  void record(std::uint64_t ns);
  void merge(const Histogram& other);
  /// Records `count` values spaced by `step`, from `first` down: first, first - step, ...,
  /// first - (count - 1) * step (which must be >= 0). Exact, and in time proportional to the
  /// buckets the values span, not to `count`.
  void record_series(std::uint64_t first, std::uint64_t step, std::uint64_t count);
  /// Adds `n` values known only by their bucket (a sparse copy of another histogram): counts
  /// are exact; the sum, min and max take the bucket's midpoint and bounds.
  void add_to_bucket(std::size_t index, std::uint64_t n);
  /// The count in bucket `index` (0 past the end).
  std::uint64_t count_at(std::size_t index) const { return index < counts_.size() ? counts_[index] : 0; }
  void reset();

  std::uint64_t count() const { return total_; }
  std::uint64_t min() const { return total_ ? min_ : 0; }
  std::uint64_t max() const { return max_; }
  double mean() const { return total_ ? static_cast<double>(sum_) / static_cast<double>(total_) : 0.0; }
  std::uint64_t clamped() const { return clamped_; }
  /// Value at percentile p in [0, 100]: the smallest recorded value v such that at least p% of
  /// values are <= v, reported as its bucket's midpoint (exact below 2048 ns; 100 -> max()).
  std::uint64_t percentile(double p) const;

  static std::size_t index_of(std::uint64_t v);
  static std::uint64_t lowest_at(std::size_t index);
  static std::uint64_t width_at(std::size_t index);
  static std::size_t bucket_count();

  nlohmann::json to_json() const;
  /// Throws std::runtime_error with the field named when the JSON is not a histogram.
  static Histogram from_json(const nlohmann::json& j);

 private:
  std::vector<std::uint64_t> counts_;
  std::uint64_t total_ = 0, sum_ = 0, min_ = UINT64_MAX, max_ = 0, clamped_ = 0;
};

}  // namespace lab
