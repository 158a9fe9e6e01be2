#include "loadgen/output/hgrm.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>

namespace lab {

namespace {

constexpr double kUnit = 1e6;  // ns per ms
constexpr int kTicksPerHalfDistance = 5;

std::string format(const char* fmt, auto... args) {
  char b[160];
  std::snprintf(b, sizeof b, fmt, args...);
  return b;
}

// `v` with `decimals` digits after the point, right-aligned in `width`, rounded as Java's
// Formatter and ICU (hdr-histogram-js) round: the shortest decimal that reads back as `v`,
// then half up. (printf rounds the binary value, which differs on the half-way digits.)
std::string decimal(double v, int decimals, int width) {
  char buf[400];
  const auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  std::string s(buf, res.ptr);
  const bool negative = !s.empty() && s[0] == '-';
  if (negative) s.erase(0, 1);
  std::size_t dot = s.find('.');
  if (dot == std::string::npos) {
    dot = s.size();
    s += '.';
  }
  s.append(static_cast<std::size_t>(decimals) + 1, '0');
  const bool up = s[dot + static_cast<std::size_t>(decimals) + 1] >= '5';
  s.resize(dot + static_cast<std::size_t>(decimals) + 1);
  if (up) {  // add one in the last place, carrying through the digits (skipping the point)
    std::size_t i = s.size();
    while (i-- > 0) {
      if (s[i] == '.') continue;
      if (s[i] == '9') {
        s[i] = '0';
        continue;
      }
      ++s[i];
      break;
    }
    if (i == static_cast<std::size_t>(-1)) s.insert(s.begin(), '1');
  }
  if (decimals == 0) s.pop_back();  // the point
  if (negative) s.insert(s.begin(), '-');
  if (static_cast<int>(s.size()) < width) s.insert(0, static_cast<std::size_t>(width) - s.size(), ' ');
  return s;
}

std::uint64_t highest_equivalent(std::size_t i) { return Histogram::lowest_at(i) + Histogram::width_at(i) - 1; }

}  // namespace

std::string hgrm_text(const Histogram& h) {
  std::string o = format("%12s %14s %10s %14s\n\n", "Value", "Percentile", "TotalCount", "1/(1-Percentile)");
  const std::uint64_t total = h.count();
  const std::size_t n = Histogram::bucket_count();
  const std::size_t last = Histogram::index_of(h.max());  // the highest bucket with a count
  // HdrHistogram's PercentileIterator: walk the buckets; report a bucket when the share counted
  // so far reaches the next percentile level, the levels halving their distance to 100%.
  if (total) {
    double level = 0;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i <= last; ++i) {
      const std::uint64_t c = h.count_at(i);
      if (c == 0) continue;
      seen += c;
      // At the last bucket HdrHistogram reports one level, then the 100% line.
      while (100.0 * static_cast<double>(seen) / static_cast<double>(total) >= level) {
        if (level >= 100.0) break;
        const bool final_bucket = seen == total;
        o += decimal(static_cast<double>(highest_equivalent(i)) / kUnit, 3, 12) + " " + decimal(level / 100.0, 12, 2) +
             format(" %10llu ", static_cast<unsigned long long>(seen)) + decimal(1.0 / (1.0 - level / 100.0), 2, 14) +
             "\n";
        const auto halvings = static_cast<long long>(std::log(100.0 / (100.0 - level)) / std::log(2.0)) + 1;
        const auto ticks =
            static_cast<long long>(kTicksPerHalfDistance) * static_cast<long long>(std::pow(2, halvings));
        level += 100.0 / static_cast<double>(ticks);
        if (final_bucket) break;
      }
    }
    o += decimal(static_cast<double>(highest_equivalent(last)) / kUnit, 3, 12) + " " + decimal(1.0, 12, 2) +
         format(" %10llu\n", static_cast<unsigned long long>(total));
  }
  // The mean and deviation from the buckets' middles, as HdrHistogram computes them.
  double mean = 0, dev = 0;
  if (total) {
    double sum = 0;
    for (std::size_t k = 0; k < n; ++k)
      if (const auto c = h.count_at(k))
        sum += static_cast<double>(Histogram::lowest_at(k) + Histogram::width_at(k) / 2) * static_cast<double>(c);
    mean = sum / static_cast<double>(total);
    double sq = 0;
    for (std::size_t k = 0; k < n; ++k)
      if (const auto c = h.count_at(k)) {
        const double d = static_cast<double>(Histogram::lowest_at(k) + Histogram::width_at(k) / 2) - mean;
        sq += d * d * static_cast<double>(c);
      }
    dev = std::sqrt(sq / static_cast<double>(total));
  }
  const double max = total ? static_cast<double>(highest_equivalent(last)) / kUnit : 0.0;
  o += "#[Mean    = " + decimal(mean / kUnit, 3, 12) + ", StdDeviation   = " + decimal(dev / kUnit, 3, 12) + "]\n";
  o += "#[Max     = " + decimal(max, 3, 12) +
       format(", Total count    = %12llu]\n", static_cast<unsigned long long>(total));
  // HdrHistogram's bucket count for this range: the powers of two from 2048 to cover 60 s.
  int buckets = 1;
  for (std::uint64_t smallest_untrackable = 2048; smallest_untrackable <= Histogram::kMaxValue;
       smallest_untrackable <<= 1)
    ++buckets;
  o += format("#[Buckets = %12d, SubBuckets     = %12d]\n", buckets, 1 << Histogram::kSubBucketBits);
  return o;
}

}  // namespace lab
