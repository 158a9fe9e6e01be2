#include "common/duration.h"

#include <cstdint>

namespace lab {

std::optional<std::chrono::nanoseconds> parse_duration(std::string_view s) {
  if (s.empty() || s.size() > 64) return std::nullopt;
  long double total = 0;
  bool any = false;
  std::size_t i = 0;
  while (i < s.size()) {
    // number: digits with an optional fraction
    std::size_t start = i;
    long double value = 0;
    bool digits = false;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      value = value * 10 + (s[i] - '0');
      ++i;
      digits = true;
    }
    if (i < s.size() && s[i] == '.') {
      ++i;
      long double scale = 0.1L;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        value += (s[i] - '0') * scale;
        scale /= 10;
        ++i;
        digits = true;
      }
    }
    if (!digits || i == start) return std::nullopt;
    std::size_t ustart = i;
    while (i < s.size() && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))) ++i;
    std::string_view unit = s.substr(ustart, i - ustart);
    long double ns;
    if (unit.empty()) {
      if (any || i != s.size()) return std::nullopt;  // bare number only on its own
      ns = 1e9L;
    } else if (unit == "h")
      ns = 3600e9L;
    else if (unit == "m")
      ns = 60e9L;
    else if (unit == "s")
      ns = 1e9L;
    else if (unit == "ms")
      ns = 1e6L;
    else if (unit == "us")
      ns = 1e3L;
    else if (unit == "ns")
      ns = 1.0L;
    else
      return std::nullopt;
    total += value * ns;
    any = true;
  }
  if (!any || total > 9.2e18L) return std::nullopt;
  return std::chrono::nanoseconds(static_cast<std::int64_t>(total + 0.5L));
}

std::string format_duration(std::chrono::nanoseconds d) {
  std::int64_t ns = d.count();
  if (ns == 0) return "0s";
  std::string out;
  if (ns % 1'000'000'000 != 0) {
    if (ns % 1'000'000 == 0) return std::to_string(ns / 1'000'000) + "ms";
    if (ns % 1'000 == 0) return std::to_string(ns / 1'000) + "us";
    return std::to_string(ns) + "ns";
  }
  std::int64_t s = ns / 1'000'000'000;
  if (s >= 3600) {
    out += std::to_string(s / 3600) + "h";
    s %= 3600;
  }
  if (s >= 60) {
    out += std::to_string(s / 60) + "m";
    s %= 60;
  }
  if (s > 0) out += std::to_string(s) + "s";
  return out;
}

}  // namespace lab
