#pragma once
// The capacity answer: per workload, each model's highest rate within the SLO, the users it
// corresponds to, its p99 there, what failed first above it and its concurrency curve; as
// Markdown (summary.md) and HTML with charts (report.html).
#include <string>
#include <vector>

#include "loadgen/capacity/capacity.h"

namespace lab {

/// Every capacity document under `dir` (recursively), ordered by the suite (capacity.json) if
/// there is one: workload, then model.
std::vector<CapacityDoc> load_capacity_docs(const std::string& dir);

struct CapacityTable {
  std::string workload, description, slo, answer;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<const CapacityDoc*> docs;
};
std::vector<CapacityTable> capacity_tables(const std::vector<CapacityDoc>& docs, const std::string& dir);
std::string capacity_markdown(const std::vector<CapacityTable>& tables);
std::string render_capacity_report(const std::vector<CapacityTable>& tables, const std::string& title,
                                   const std::string& note);

/// loadgen capacity-report DIR: prints the tables, writes DIR/summary.md and DIR/report.html.
int capacity_report_main(int argc, char** argv);

}  // namespace lab
