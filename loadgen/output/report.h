#pragma once
// report.html for a run folder: self-contained (inline SVG and CSS, no script, no network):
// the summary table, bar charts of requests/s and latency percentiles per model with their
// noise as whiskers, the errors, the client's health, and per-model time series (users,
// requests/s, p95 per second). Every drawn value carries data-* attributes so tests can check
// the picture against the JSON.
#include <string>
#include <vector>

#include "common/result.h"

namespace lab {

std::string render_report(const std::vector<Result>& rs, const std::string& title);

}  // namespace lab
