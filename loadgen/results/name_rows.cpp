#include "loadgen/results/name_rows.h"

namespace lab {

std::vector<NameRow> name_rows(const Result& r) {
  std::vector<NameRow> rows;
  static const Histogram kEmpty;
  const Summary& s = r.summary.value();
  NameRow all;
  all.name = "Aggregated";
  all.aggregate = true;
  all.requests = s.requests;
  all.failures = s.failures;
  all.bytes = s.bytes_received;
  all.successes = r.histogram ? &*r.histogram : &kEmpty;
  all.failed = r.failed_histogram ? &*r.failed_histogram : nullptr;
  all.status_codes = &s.status_codes;
  all.errors = &r.errors;
  if (r.endpoints.empty()) {  // one request: the URL's
    NameRow one = all;
    one.aggregate = false;
    one.method = r.workload.contains("method") && r.workload["method"].is_string()
                     ? r.workload["method"].get<std::string>()
                     : std::string("GET");
    one.name = workload_view(r.workload).path;
    rows.push_back(one);
  }
  for (const auto& e : r.endpoints) {
    NameRow row;
    row.method = e.method;
    row.name = e.name;
    row.requests = e.requests;
    row.failures = e.failures;
    row.bytes = e.bytes_received;
    row.successes = &e.histogram;
    row.failed = &e.failed_histogram;
    row.status_codes = &e.status_codes;
    row.errors = &e.errors;
    rows.push_back(row);
  }
  rows.push_back(all);
  return rows;
}

}  // namespace lab
