#include "loadgen/output/locust_csv.h"

#include <ctime>
#include <map>
#include <sstream>

#include "common/output_file.h"
#include "common/environment.h"
#include "common/format.h"
#include "loadgen/results/name_rows.h"

namespace lab {

namespace {

// Response times in milliseconds with three decimals (Locust writes whole milliseconds).
std::string ms3(double ns) { return fixed(ns / 1e6, "%.3f"); }
std::string csv_num(double v) { return fixed(v, "%.6g"); }

// A CSV field: quoted when it holds a comma, a quote or a line break.
std::string field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string o = "\"";
  for (char c : s) o += c == '"' ? std::string("\"\"") : std::string(1, c);
  return o + "\"";
}

std::string percentile_header() {
  std::string h;
  for (double q : kPercentiles) h += "," + percentile_key(q) + "%";
  return h;
}

// Response-time columns of a histogram: "N/A" where nothing was measured.
std::string percentiles_of(const Histogram& h) {
  std::string s;
  for (double q : kPercentiles) s += "," + (h.count() ? ms3(static_cast<double>(h.percentile(q))) : std::string("N/A"));
  return s;
}

}  // namespace

void write_locust_csv(const Result& r, const std::string& prefix) {
  if (!r.summary || !r.histogram) throw std::runtime_error("no statistics to write as CSV (the run did not start)");
  const Summary& s = *r.summary;
  const std::vector<NameRow> rows = name_rows(r);
  const double dur = s.duration_s;
  {
    std::ostringstream f;
    f << "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,"
         "Max Response Time,Average Content Size,Requests/s,Failures/s"
      << percentile_header() << '\n';
    for (const NameRow& row : rows) {
      // Locust's response times include failed requests, measured from the actual send (the
      // aggregate of a rate-mode run; its names' rows are from the intended send time).
      Histogram all = row.aggregate && r.uncorrected_histogram ? *r.uncorrected_histogram : *row.successes;
      if (row.failed) all.merge(*row.failed);
      const auto req = static_cast<double>(row.requests), fails = static_cast<double>(row.failures);
      const auto ok = static_cast<double>(row.successes_count());
      f << field(row.method) << ',' << field(row.name) << ',' << row.requests << ',' << row.failures << ','
        << (all.count() ? ms3(static_cast<double>(all.percentile(50))) : "N/A") << ','
        << (all.count() ? ms3(all.mean()) : "N/A") << ',' << (all.count() ? ms3(static_cast<double>(all.min())) : "N/A")
        << ',' << (all.count() ? ms3(static_cast<double>(all.max())) : "N/A") << ','
        << csv_num(ok > 0 ? static_cast<double>(row.bytes) / ok : 0) << ',' << csv_num(dur > 0 ? req / dur : 0) << ','
        << csv_num(dur > 0 ? fails / dur : 0) << percentiles_of(all) << '\n';
    }
    write_output(prefix + "_stats.csv", f.str());
  }
  {
    std::ostringstream f;
    f << "Timestamp,User Count,Type,Name,Requests/s,Failures/s" << percentile_header()
      << ",Total Request Count,Total Failure Count,Total Median Response Time,Total Average Response Time,"
         "Total Min Response Time,Total Max Response Time,Total Average Content Size\n";
    const long long t0 = parse_utc_timestamp(r.started_at).value_or(0);
    // Each name's row, then the aggregate's, every second (Locust's --csv-full-history): the
    // second's own rates and percentiles, then the totals so far.
    struct Running {
      Histogram successes;  // up to this second (rebuilt from the per-second histograms)
      std::uint64_t requests = 0, failures = 0, bytes = 0;
    };
    auto row = [&](long long ts, int users, const std::string& type, const std::string& name, double length_s,
                   std::uint64_t requests, std::uint64_t failures, std::uint64_t bytes,
                   const std::vector<std::pair<std::uint32_t, std::uint64_t>>& hist, Running& run) {
      const Histogram second = from_sparse(hist);
      run.successes.merge(second);
      run.requests += requests;
      run.failures += failures;
      run.bytes += bytes;
      const Histogram& cum = run.successes;
      const std::uint64_t ok = run.requests - run.failures;
      auto per_s = [&](std::uint64_t n) { return csv_num(length_s > 0 ? static_cast<double>(n) / length_s : 0); };
      f << ts << ',' << users << ',' << field(type) << ',' << field(name) << ',' << per_s(requests) << ','
        << per_s(failures) << percentiles_of(second) << ',' << run.requests << ',' << run.failures << ','
        << (cum.count() ? ms3(static_cast<double>(cum.percentile(50))) : "N/A") << ','
        << (cum.count() ? ms3(cum.mean()) : "N/A") << ',' << (cum.count() ? ms3(static_cast<double>(cum.min())) : "N/A")
        << ',' << (cum.count() ? ms3(static_cast<double>(cum.max())) : "N/A") << ','
        << csv_num(ok ? static_cast<double>(run.bytes) / static_cast<double>(ok) : 0) << '\n';
    };
    Running aggregate;
    std::map<std::string, Running> by_name;
    for (const auto& p : r.series) {
      for (const auto& n : p.names) {
        std::string method;
        for (const auto& e : r.endpoints)
          if (e.name == n.name) method = e.method;
        row(t0 + p.t, p.users, method, n.name, p.length_s, n.requests, n.failures, n.bytes, n.hist, by_name[n.name]);
      }
      row(t0 + p.t, p.users, "", "Aggregated", p.length_s, p.requests, p.failures, p.bytes, p.hist, aggregate);
    }
    write_output(prefix + "_stats_history.csv", f.str());
  }
  {
    std::ostringstream f;
    f << "Method,Name,Error,Occurrences\n";
    for (const NameRow& row : rows) {
      if (row.aggregate) continue;
      for (const auto& e : *row.errors)
        f << field(row.method) << ',' << field(row.name) << ',' << field(e.kind + ": " + e.example) << ',' << e.count
          << '\n';
    }
    write_output(prefix + "_failures.csv", f.str());
  }
  write_output(prefix + "_exceptions.csv", "Count,Message,Traceback,Nodes\n");  // loadgen raises none
}

}  // namespace lab
