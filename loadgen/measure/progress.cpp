#include "loadgen/measure/progress.h"

#include <chrono>
#include <string>

#include "common/format.h"

namespace lab {

ProgressLine::ProgressLine(const RunSettings& s, bool tty)
    : s_(s), tty_(tty),
      show_(!s.quiet && (s.progress == ProgressMode::kAlways || (s.progress == ProgressMode::kAuto && tty))) {}

void ProgressLine::tick(const SeriesPoint& p, const Collector& c) {
  if (!show_ || !(tty_ || p.t % 5 == 0)) return;
  const double total_s = std::chrono::duration<double>(s_.workload.run_time).count();
  std::fprintf(stderr, "%s%s%s %3d/%.0fs  users %s/%s  %s req/s  p50 %s p95 %s p99 %s ms  fails %s  lag %.1f ms%s",
               tty_ ? "\r\033[K" : "", s_.progress_prefix.c_str(), s_.progress_prefix.empty() ? "" : ":", p.t, total_s,
               commas(p.users).c_str(), commas(s_.workload.users).c_str(), commas(p.rps).c_str(), ms(p.p50_ms).c_str(),
               ms(p.p95_ms).c_str(), ms(p.p99_ms).c_str(), commas(static_cast<double>(c.total().failures)).c_str(),
               p.lag_max_ms, tty_ ? "" : "\n");
}

void ProgressLine::finish_line() {
  if (show_ && tty_) std::fprintf(stderr, "\n");
}

void ProgressLine::last(const SeriesPoint& p, const Collector& c) {
  if (!show_ || tty_) return;
  std::fprintf(stderr, "%s%s %3d/%.0fs  done: %s requests, %s failures, last second %s req/s p99 %s ms\n",
               s_.progress_prefix.c_str(), s_.progress_prefix.empty() ? "" : ":", p.t,
               std::chrono::duration<double>(s_.workload.run_time).count(),
               commas(static_cast<double>(c.total().requests)).c_str(),
               commas(static_cast<double>(c.total().failures)).c_str(), commas(p.rps).c_str(), ms(p.p99_ms).c_str());
}

}  // namespace lab
