#include "loadgen/workload/status_set.h"

#include <charconv>

#include "common/text.h"

namespace lab {

StatusSet::StatusSet() {
  for (int c = 200; c < 300; ++c) ok_.set(static_cast<std::size_t>(c));
}

std::optional<StatusSet> StatusSet::parse(std::string_view spec, std::string& error) {
  StatusSet s;
  s.ok_.reset();
  s.spec_ = std::string(spec);
  auto code = [](std::string_view t, int& out) {
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
    return ec == std::errc{} && p == t.data() + t.size() && out >= 100 && out <= 999;
  };
  bool any = false;
  bool bad = false;
  for_each_token(spec, [&](std::string_view t) {
    if (bad) return;
    int lo = 0, hi = 0;
    if (t.size() == 3 && (t[1] == 'x' || t[1] == 'X') && (t[2] == 'x' || t[2] == 'X') && t[0] >= '1' && t[0] <= '9') {
      lo = (t[0] - '0') * 100;
      hi = lo + 99;
    } else if (const auto dash = t.find('-'); dash != std::string_view::npos) {
      if (!code(t.substr(0, dash), lo) || !code(t.substr(dash + 1), hi) || hi < lo) bad = true;
    } else if (code(t, lo)) {
      hi = lo;
    } else {
      bad = true;
    }
    if (bad) {
      error = "'" + std::string(t) + "' is not a status code, range or class (use e.g. 200, 200-299, 2xx)";
      return;
    }
    for (int c = lo; c <= hi; ++c) s.ok_.set(static_cast<std::size_t>(c));
    any = true;
  });
  if (bad) return std::nullopt;
  if (!any) {
    error = "no status code given (use e.g. 2xx or 200,204)";
    return std::nullopt;
  }
  return s;
}

}  // namespace lab
