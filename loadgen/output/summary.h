#pragma once
// The side-by-side table of a run folder, as the original study's (plus percentiles, status
// codes, the client's health and failures), ranked by requests/s and by average latency with
// ties for differences within the noise; printed and written to summary.md.
#include <string>
#include <vector>

#include "common/output_file.h"
#include "common/result.h"
#include "loadgen/output/table.h"

namespace lab {

/// The table and what goes with it, rendered as Markdown (summary.md) and as HTML (the report).
struct SummaryTable {
  std::string workload;
  std::vector<std::string> warnings;  // mixed workloads, duplicate labels, partial merges
  Table table;
  std::vector<std::string> notes;     // how to read it, how noise was measured
  std::vector<std::string> rankings;  // "Requests per second: a = b > c"
};
SummaryTable summary_table(const std::vector<Result>& rs);

/// A result's status in words: ok, or why not; "MOSTLY FAILED" when most requests failed (the
/// run completed, but it measured failures); "CLIENT-BOUND" with the client's evidence, or
/// "SERVER-BOUND" when the run fell behind its schedule (or mostly failed) while the client kept
/// up; interrupted and failed thresholds added. The summary, the report and the console all say
/// it this way.
std::string status_text(const Result& r);
/// Below this share of its schedule a run whose client kept up is labelled server-bound.
inline constexpr double kServerBoundFidelity = 0.95;

/// A result's detail: its requests by name (--scenario) and its phases (connect, tls, waiting,
/// receiving); only the tables it has data for.
struct DetailTable {
  std::string title;
  Table table;
};
std::vector<DetailTable> detail_tables(const Result& r);
std::string summary_markdown(const std::vector<Result>& rs);
/// "Workload: mode users, 200 users, ..." for the first result that ran.
std::string workload_line(const std::vector<Result>& rs);

}  // namespace lab
