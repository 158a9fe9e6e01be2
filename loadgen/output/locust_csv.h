#pragma once
// Locust 2.x compatible CSV files, so existing Locust tooling reads our runs: PREFIX_stats.csv,
// PREFIX_stats_history.csv, PREFIX_failures.csv and PREFIX_exceptions.csv, with Locust's
// columns in Locust's order. Two deliberate differences, both in docs/results.md: response
// times are fractional milliseconds (Locust rounds to whole ones, which makes every percentile
// 0 at this lab's sub-millisecond latencies), and history rows are per second, not a 10 s
// moving window.
#include <string>

#include "common/result.h"

namespace lab {

/// Throws std::runtime_error naming the file that could not be written.
void write_locust_csv(const Result& r, const std::string& prefix);

}  // namespace lab
