#include "common/format.h"

#include <cmath>
#include <cstdio>

namespace lab {

std::string commas(double v) {
  const auto n = static_cast<long long>(std::llround(v));
  const std::string digits = std::to_string(n < 0 ? -n : n);
  std::string s = n < 0 ? "-" : "";
  s.reserve(digits.size() + digits.size() / 3 + 1);
  for (std::size_t i = 0; i < digits.size(); ++i) {  // appends only (GCC 12 -Wrestrict misfires on insert)
    if (i > 0 && (digits.size() - i) % 3 == 0) s.push_back(',');
    s.push_back(digits[i]);
  }
  return s;
}

std::string fixed(double v, const char* format) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string ms(const std::optional<double>& v) {
  if (!v) return "-";
  return fixed(*v, std::fabs(*v) >= 100 ? "%.1f" : "%.3f");
}

std::string rps_text(double v) { return std::fabs(v) >= 100 ? commas(v) : fixed(v, "%.3g"); }

std::string short_num(double v) {
  const double a = std::fabs(v);
  if (a >= 1e9) return fixed(v / 1e9, "%.3gG");
  if (a >= 1e6) return fixed(v / 1e6, "%.3gM");
  if (a >= 1e4) return fixed(v / 1e3, "%.3gk");
  if (a >= 100) return fixed(v, "%.0f");
  return fixed(v, "%.3g");
}

}  // namespace lab
