#pragma once
// The capacity answer: per workload, each model's highest rate within the SLO, the users it
// corresponds to, its p99 there, what failed first above it and its concurrency curve; as
// Markdown (summary.md) and HTML with charts (report.html).
#include <string>
#include <vector>

#include "loadgen/capacity/document.h"
#include "loadgen/output/table.h"

namespace lab {

/// Every capacity document under `dir` (recursively), ordered by the suite (capacity.json) if
/// there is one: workload, then model.
std::vector<CapacityDoc> load_capacity_docs(const std::string& dir);

struct CapacityTable {
  std::string workload, description, slo, answer;
  std::vector<std::string> predictions;  // "model: formula" per row, when the folder has calibration.json
  Table table;
  std::vector<const CapacityDoc*> docs;
};
std::vector<CapacityTable> capacity_tables(const std::vector<CapacityDoc>& docs, const std::string& dir);
std::string capacity_markdown(const std::vector<CapacityTable>& tables);
/// Reads the documents under `dir`, writes DIR/summary.md and DIR/report.html, and returns the
/// Markdown tables. Throws std::runtime_error naming the file at fault.
std::string write_capacity_report(const std::string& dir);
std::string render_capacity_report(const std::vector<CapacityTable>& tables, const std::string& title,
                                   const std::string& note);

}  // namespace lab
