#include "server/work.h"

#include <time.h>

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

// Timed by the thread's own CPU clock, not the wall clock: a probe preempted or throttled (a CPU
// quota, SERVER_CPU_LIMIT) would read slow and make every request's work short. Under a 0.25-CPU
// quota the wall clock read 413 iterations/us against 920 alone, and the threadpool served its
// "200 us" requests with 130 us of CPU (docs/reliability.md).
double calibrate_busy_work() {
  auto cpu_us = [] {
    timespec ts{};
    if (::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return -1.0;
    return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
  };
  constexpr std::uint64_t kProbe = 2'000'000;
  double best = 0;
  for (int i = 0; i < 5; ++i) {
    const double t0 = cpu_us();
    spin(kProbe);
    const double us = cpu_us() - t0;
    if (t0 >= 0 && us > 0) best = std::max(best, static_cast<double>(kProbe) / us);
  }
  g_iterations_per_us = best;
  return best;
}

void busy_work(std::chrono::microseconds d) {
  if (d.count() <= 0) return;
  spin(static_cast<std::uint64_t>(g_iterations_per_us * static_cast<double>(d.count())));
}

}  // namespace lab
