#include "loadgen/output/summary.h"

#include <sstream>

#include "common/format.h"
#include "loadgen/results/noise.h"
#include "loadgen/results/name_rows.h"
#include "loadgen/results/result_set.h"

namespace lab {

std::string workload_line(const std::vector<Result>& rs) {
  for (const auto& r : rs) {
    if (!r.has_summary()) continue;
    const WorkloadView w = workload_view(r.workload);
    std::ostringstream o;
    o << "Workload: mode " << w.mode << ", " << w.users << " " << (w.mode == "users" ? "users" : "connections");
    if (w.mode == "users")
      o << ", spawn " << w.spawn_rate << "/s, "
        << (w.wait.empty() ? "waits " + fixed(w.wait_min_s, "%g") + "-" + fixed(w.wait_max_s, "%g") + " s"
                           : "wait " + w.wait);
    if (w.mode == "rate") o << ", " << w.rate << " req/s";
    if (!w.stages.empty()) o << ", stages (" << w.stages << ")";
    o << ", " << w.run_time_s << " s per model" << (w.keepalive ? ", keep-alive" : "") << ".";
    return o.str();
  }
  return "Workload: (no model ran).";
}

namespace {

std::string metric_cell(const Result& r, Metric m) {
  const OptDouble v = value(r, m);
  if (!v) return "-";
  const bool rate = m == Metric::kRps || m == Metric::kFailurePct;
  std::string s = rate ? fixed(*v, m == Metric::kRps ? "%.1f" : "%.2f") : ms(v);
  if (r.repeats) {
    if (const auto sp = spread(r, m))
      s += " [" + (rate ? fixed(sp->lo, "%.1f") : ms(sp->lo)) + "-" + (rate ? fixed(sp->hi, "%.1f") : ms(sp->hi)) + "]";
  }
  return s;
}

}  // namespace

std::string status_text(const Result& r) {
  if (!r.has_summary()) return r.status + ": " + r.error;
  std::string s = r.status == "ok" ? "ok" : r.status + ": " + r.error;
  const Summary& sm = *r.summary;
  if (r.status == "ok" && sm.requests > 0 && sm.failure_rate >= 0.5) {
    const ErrorEntry* top = nullptr;
    for (const auto& e : r.errors)
      if (!top || e.count > top->count) top = &e;
    s = "MOSTLY FAILED: " + fixed(100 * sm.failure_rate, "%.1f") + "% of " + commas(static_cast<double>(sm.requests)) +
        " requests failed" + (top ? " (most " + top->kind + ": " + commas(static_cast<double>(top->count)) + ")" : "");
  }
  if (r.interrupted) s += " (interrupted)";
  if (r.in_progress) s += " (IN PROGRESS: a snapshot at " + fixed(sm.duration_s, "%.0f") + " s, not the run's end)";
  if (!r.stopped.empty()) s += "; stopped " + r.stopped;
  if (!r.client.bound && !r.client.note.empty()) s += "; " + r.client.note;  // judged, its late seconds named
  if (r.client.bound) {
    s += "; CLIENT-BOUND: " + r.client.reason;
  } else if (r.status == "ok" &&
             ((sm.schedule_fidelity && *sm.schedule_fidelity < kServerBoundFidelity) || sm.failure_rate >= 0.5)) {
    // Behind its schedule (or mostly failing) while the client kept up: the server set the pace.
    s += "; SERVER-BOUND: " +
         (sm.schedule_fidelity ? "kept " + fixed(100 * *sm.schedule_fidelity, "%.1f") + "% of its schedule"
                               : std::string("most requests failed")) +
         " while the client was healthy (CPU " + fixed(r.client.cpu_pct, "%.0f") + "%)";
  }
  for (const auto& t : r.thresholds)
    if (!t.held) s += "; threshold " + t.expr + " failed";
  return s;
}

namespace {

std::string codes_cell(const std::map<int, std::uint64_t>& codes) {
  std::string c;
  for (const auto& [code, n] : codes)
    c += (c.empty() ? "" : " ") + std::to_string(code) + ":" + commas(static_cast<double>(n));
  return c.empty() ? "-" : c;
}

}  // namespace

SummaryTable summary_table(const std::vector<Result>& rs) {
  SummaryTable t;
  t.workload = workload_line(rs);
  t.warnings = set_warnings(rs);
  bool scheduled = false;
  bool server_cpu = false;  // the servers' own CPU was read (--server-cgroup)
  for (const auto& r : rs) {
    if (r.summary && r.summary->schedule_fidelity) scheduled = true;
    if (r.server_cpu) server_cpu = true;
  }
  auto& header = t.table.header;
  header = {"model", "requests", "requests/s", "avg ms", "p50 ms", "p95 ms", "p99 ms", "failures", "status codes"};
  if (scheduled) header.push_back("fidelity");
  if (server_cpu) header.push_back("server CPU us/request");
  for (const char* h : {"client lag p99 ms", "client CPU", "status"}) header.push_back(h);
  t.table.text({"status codes", "status"});
  t.table.css_class = "summary";
  std::vector<const Result*> ranked;
  for (const auto& r : rs) {
    std::vector<std::string> row = {r.name()};
    if (!r.has_summary()) {
      row.resize(header.size() - 1, "-");
      row.push_back(status_text(r));
      t.table.rows.push_back(row);
      continue;
    }
    if (r.ok()) ranked.push_back(&r);
    const Summary& s = *r.summary;
    row.push_back(commas(static_cast<double>(s.requests)));
    for (Metric m : {Metric::kRps, Metric::kAvg, Metric::kP50, Metric::kP95, Metric::kP99})
      row.push_back(metric_cell(r, m));
    row.push_back(commas(static_cast<double>(s.failures)));
    row.push_back(codes_cell(s.status_codes));
    if (scheduled) row.push_back(s.schedule_fidelity ? fixed(100 * *s.schedule_fidelity, "%.1f%%") : std::string("-"));
    if (server_cpu)
      row.push_back(r.server_cpu && r.server_cpu->us_per_request ? fixed(*r.server_cpu->us_per_request, "%.1f")
                                                                 : std::string("-"));
    row.push_back(ms(r.client.lag_p99_ms));
    row.push_back(fixed(r.client.cpu_pct, "%.0f%%"));
    row.push_back(status_text(r));
    t.table.rows.push_back(row);
  }
  if (scheduled && !ranked.empty())
    t.notes.push_back(
        "The request rate is set by the users' schedule here: a model that keeps up reaches the ideal "
        "schedule (fidelity near 100%) and the same requests/s as the others, so compare fidelity and "
        "latency; the max profile measures throughput.");
  if (ranked.size() > 1) {
    t.notes.push_back(noise_note(rs));
    t.rankings.push_back("Requests per second: " + ranking_line(rank(ranked, Metric::kRps), true));
    t.rankings.push_back("Average response time: " + ranking_line(rank(ranked, Metric::kAvg), false));
  }
  return t;
}

std::vector<DetailTable> detail_tables(const Result& r) {
  std::vector<DetailTable> out;
  if (!r.has_summary()) return out;
  const double dur = r.summary->duration_s;
  if (!r.endpoints.empty()) {
    DetailTable t{"Requests by name: " + r.name(), {}};
    t.table.header = {"name",   "method", "requests", "requests/s", "avg ms",
                      "p50 ms", "p95 ms", "p99 ms",   "failures",   "status codes"};
    t.table.text({"method", "status codes"}).css_class = "detail";
    for (const NameRow& row : name_rows(r)) {
      const LatencySummary l = LatencySummary::of(*row.successes);
      t.table.rows.push_back({row.name, row.method, commas(static_cast<double>(row.requests)),
                              fixed(dur > 0 ? static_cast<double>(row.requests) / dur : 0, "%.1f"), ms(l.avg_ms),
                              ms(l.p(50)), ms(l.p(95)), ms(l.p(99)), commas(static_cast<double>(row.failures)),
                              codes_cell(*row.status_codes)});
    }
    out.push_back(std::move(t));
  }
  if (!r.timings.empty()) {
    DetailTable t{"Phases of the responses: " + r.name(), {}};
    t.table.header = {"phase", "count", "avg ms", "p50 ms", "p95 ms", "p99 ms", "max ms"};
    t.table.css_class = "detail";
    for (const char* phase : kPhases) {
      auto it = r.timings.find(phase);
      if (it == r.timings.end()) continue;
      const LatencySummary l = LatencySummary::of(it->second);
      t.table.rows.push_back({phase, commas(static_cast<double>(it->second.count())), ms(l.avg_ms), ms(l.p(50)),
                              ms(l.p(95)), ms(l.p(99)), ms(l.max_ms)});
    }
    out.push_back(std::move(t));
  }
  return out;
}

std::string summary_markdown(const std::vector<Result>& rs) {
  const SummaryTable t = summary_table(rs);
  std::ostringstream o;
  o << t.workload << "\n\n";
  for (const auto& w : t.warnings) o << "**Warning:** " << w << "\n\n";
  o << markdown(t.table);
  for (const auto& n : t.notes) o << "\n" << n << "\n";
  if (!t.rankings.empty()) o << "\n";
  for (const auto& r : t.rankings) o << "- " << r << "\n";
  for (const auto& r : rs) {
    if (r.endpoints.empty()) continue;  // the phases of every model would drown the table
    for (const auto& d : detail_tables(r)) o << "\n### " << d.title << "\n\n" << markdown(d.table);
  }
  return o.str();
}

}  // namespace lab
