#pragma once
// What a run prints: the status line while it runs, and the Locust-like table at the end.
#include <cstdio>

#include "common/result.h"
#include "loadgen/run/engine.h"
#include "loadgen/run/collector.h"

namespace lab {

/// The once-a-second status line on stderr: every second on a terminal, every 5 s otherwise
/// (--progress always), nothing with --quiet or --progress never.
class ProgressLine {
 public:
  ProgressLine(const RunSettings& s, bool tty);
  void tick(const SeriesPoint& p, const Collector& c);
  /// Ends the terminal's rewritten line.
  void finish_line();
  /// The last, possibly partial, interval.
  void last(const SeriesPoint& p, const Collector& c);

 private:
  const RunSettings& s_;
  bool tty_, show_;
};

/// Printed at the end unless quiet: Locust-like totals and percentiles, status codes, the
/// client's health, thresholds and errors.
void print_run_table(const Result& r, std::FILE* out);

}  // namespace lab
