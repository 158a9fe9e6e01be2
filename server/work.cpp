#include "server/work.h"

#include <algorithm>

namespace lab {

namespace {
double g_iterations_per_us = 0;

// The loop: a multiply-add chain the compiler must keep (the barrier hides its result).
std::uint64_t spin(std::uint64_t n) {
  std::uint64_t x = 0x9e3779b97f4a7c15ull;
  for (std::uint64_t i = 0; i < n; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    asm volatile("" : "+r"(x));
  }
  return x;
}
}  // namespace

double calibrate_busy_work() {
  using clock = std::chrono::steady_clock;
  constexpr std::uint64_t kProbe = 2'000'000;
  double best = 0;
  for (int i = 0; i < 5; ++i) {
    const auto t0 = clock::now();
    spin(kProbe);
    const double us = std::chrono::duration<double, std::micro>(clock::now() - t0).count();
    if (us > 0) best = std::max(best, static_cast<double>(kProbe) / us);
  }
  g_iterations_per_us = best;
  return best;
}

void busy_work(std::chrono::microseconds d) {
  if (d.count() <= 0) return;
  spin(static_cast<std::uint64_t>(g_iterations_per_us * static_cast<double>(d.count())));
}

}  // namespace lab
