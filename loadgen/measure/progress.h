#pragma once
// The status line a run prints while it runs (the table at its end is output/run_table.h).
#include <cstdio>

#include "loadgen/run/settings.h"
#include "loadgen/measure/collector.h"

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

}  // namespace lab
