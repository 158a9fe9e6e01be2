#pragma once
// A result's statistics per request name, as Locust tabulates them: one row per name of the
// scenario (--scenario) and the "Aggregated" row, or without a scenario the one request and the
// aggregate. The console table, the Locust CSVs, the summary and the report all read these rows.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"

namespace lab {

struct NameRow {
  std::string method, name;  // the aggregate: "", "Aggregated"
  std::uint64_t requests = 0, failures = 0, bytes = 0;
  const Histogram* successes = nullptr;  // latency of successes (rate mode: corrected)
  const Histogram* failed = nullptr;     // how long the failures took (may be null)
  const std::map<int, std::uint64_t>* status_codes = nullptr;
  const std::vector<ErrorEntry>* errors = nullptr;
  bool aggregate = false;
  std::uint64_t successes_count() const { return requests - failures; }
};

/// The rows of `r` (which must have a summary): names first, the aggregate last.
std::vector<NameRow> name_rows(const Result& r);

}  // namespace lab
