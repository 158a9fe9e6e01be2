#include "loadgen/results/name_rows.h"

#include <algorithm>

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
    const WorkloadView w = workload_view(r.workload);
    one.method = w.method;
    one.name = w.path;
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

std::vector<NameSeries> name_series(const std::vector<SeriesPoint>& series, const std::vector<EndpointStats>& endpoints,
                                    std::size_t cap) {
  std::map<std::string, std::uint64_t> total;
  std::vector<std::string> order;  // first seen, the scenario's order
  for (const auto& p : series)
    for (const auto& n : p.names) {
      if (!total.count(n.name)) order.push_back(n.name);
      total[n.name] += n.requests;
    }
  for (const auto& e : endpoints)
    if (total.count(e.name)) total[e.name] = e.requests;
  if (order.empty()) return {};
  std::vector<std::string> kept = order;
  const bool other = kept.size() > cap;
  if (other) {
    std::stable_sort(kept.begin(), kept.end(),
                     [&](const std::string& a, const std::string& b) { return total[a] > total[b]; });
    kept.resize(cap);
  }
  std::vector<NameSeries> out;
  for (const auto& name : order)
    if (std::find(kept.begin(), kept.end(), name) != kept.end()) out.push_back({name, {}});
  if (other) out.push_back({"other", {}});
  for (const auto& p : series) {
    NamePoint rest;
    rest.name = "other";
    Histogram rest_hist;
    for (const auto& n : p.names) {
      auto it = std::find_if(out.begin(), out.end(), [&](const NameSeries& s) { return s.name == n.name; });
      if (it != out.end() && !(other && it == out.end() - 1)) {
        it->points.emplace_back(p.t, n);
        continue;
      }
      rest.requests += n.requests;
      rest.failures += n.failures;
      rest.bytes += n.bytes;
      add_sparse(rest_hist, n.hist);
    }
    if (other) {
      rest.finish(rest_hist, p.length_s);
      out.back().points.emplace_back(p.t, std::move(rest));
    }
  }
  return out;
}

}  // namespace lab
