#include "loadgen/output/run_table.h"

#include <string>

#include "common/format.h"
#include "loadgen/output/summary.h"
#include "loadgen/results/name_rows.h"

namespace lab {

namespace {

// A scenario's users with state: the checks (as k6 prints them: each with its passes and fails),
// the requests not sent for want of a value, the cookies.
void print_flow(std::FILE* f, const FlowStats& fl) {
  if (!fl.checks.empty()) {
    const double p = static_cast<double>(fl.passes()), n = static_cast<double>(fl.fails());
    std::fprintf(f, "\nChecks %s passed (%s of %s)\n", (fixed(p + n > 0 ? 100 * p / (p + n) : 0, "%.2f") + "%").c_str(),
                 commas(p).c_str(), commas(p + n).c_str());
    for (const auto& c : fl.checks)
      std::fprintf(f, "  %s %-16s %-28s %10s passed %10s failed\n", c.fails ? "x" : "v", c.request.c_str(),
                   c.check.c_str(), commas(static_cast<double>(c.passes)).c_str(),
                   commas(static_cast<double>(c.fails)).c_str());
  }
  for (const auto& s : fl.skipped)
    std::fprintf(f, "skipped %-16s %10s  not sent: no value for {{%s}}\n", s.request.c_str(),
                 commas(static_cast<double>(s.count)).c_str(), s.variable.c_str());
  if (fl.cookies)
    std::fprintf(f, "Cookies: %s set, %s sent\n", commas(static_cast<double>(fl.cookies_set)).c_str(),
                 commas(static_cast<double>(fl.cookies_sent)).c_str());
}

}  // namespace

void print_run_table(const Result& r, std::FILE* f) {
  if (!r.summary) return;
  const Summary& s = *r.summary;
  // One row per request name and the aggregate (only the one request without a scenario).
  std::vector<NameRow> rows = name_rows(r);
  if (r.endpoints.empty()) rows.pop_back();
  const double dur = s.duration_s;
  std::fprintf(f, "%-6s %-24s %10s %9s | %8s %8s %8s %8s | %9s %10s\n", "Type", "Name", "# reqs", "# fails", "Avg",
               "Min", "Max", "Med", "req/s", "failures/s");
  std::fprintf(f, "%s\n", std::string(116, '-').c_str());
  for (const NameRow& row : rows) {
    const LatencySummary l = LatencySummary::of(*row.successes);
    if (row.aggregate) std::fprintf(f, "%s\n", std::string(116, '-').c_str());
    std::fprintf(f, "%-6s %-24s %10s %9s | %8s %8s %8s %8s | %9.1f %10.2f\n", row.method.c_str(), row.name.c_str(),
                 commas(static_cast<double>(row.requests)).c_str(), commas(static_cast<double>(row.failures)).c_str(),
                 ms(l.avg_ms).c_str(), ms(l.min_ms).c_str(), ms(l.max_ms).c_str(), ms(l.p(50)).c_str(),
                 dur > 0 ? static_cast<double>(row.requests) / dur : 0.0,
                 dur > 0 ? static_cast<double>(row.failures) / dur : 0.0);
  }
  std::fprintf(f, "\nResponse time percentiles of successes (ms, exact to 0.05%%)\n");
  if (rows.size() > 1) std::fprintf(f, "%-31s", "Name");
  for (double q : kPercentiles) std::fprintf(f, "%8s", (percentile_key(q) + "%").c_str());
  std::fprintf(f, "\n");
  for (const NameRow& row : rows) {
    if (rows.size() > 1)
      std::fprintf(f, "%-31s", (row.method.empty() ? row.name : row.method + " " + row.name).c_str());
    for (const auto& v : LatencySummary::of(*row.successes).percentiles_ms) std::fprintf(f, "%8s", ms(v).c_str());
    std::fprintf(f, "\n");
  }
  if (!r.timings.empty()) {  // curl's and k6's split of the successes' time
    std::fprintf(f, "\nPhases (ms)       count       avg       p50       p99       max\n");
    for (const char* phase : kPhases) {
      auto it = r.timings.find(phase);
      if (it == r.timings.end()) continue;
      const LatencySummary l = LatencySummary::of(it->second);
      std::fprintf(f, "%-12s %10s %9s %9s %9s %9s\n", phase, commas(static_cast<double>(it->second.count())).c_str(),
                   ms(l.avg_ms).c_str(), ms(l.p(50)).c_str(), ms(l.p(99)).c_str(), ms(l.max_ms).c_str());
    }
  }
  if (!s.status_codes.empty()) {
    std::string codes;
    for (const auto& [code, n] : s.status_codes)
      codes += (codes.empty() ? "" : ", ") + std::to_string(code) + ": " + commas(static_cast<double>(n));
    std::fprintf(f, "\nStatus codes: %s\n", codes.c_str());
  }
  if (s.schedule_fidelity)
    std::fprintf(f, "\nIdeal requests %.0f, achieved %s (%.2f%%)%s\n", s.ideal_requests.value_or(0),
                 commas(static_cast<double>(s.requests)).c_str(), 100 * *s.schedule_fidelity,
                 s.unsent ? (", never sent " + commas(static_cast<double>(*s.unsent))).c_str() : "");
  const ClientHealth& c = r.client;
  std::fprintf(f, "Client: CPU %.0f%% of %d load thread(s), lag p99 %s ms, max %.1f ms%s%s\n", c.cpu_pct, c.threads,
               ms(c.lag_p99_ms).c_str(), c.lag_max_ms,
               c.bound          ? "; CLIENT-BOUND: "
               : c.note.empty() ? ""
                                : "; ",
               c.bound ? c.reason.c_str() : c.note.c_str());
  for (const auto& e : r.errors)
    std::fprintf(f, "error %-24s %10s  first %.1fs last %.1fs  e.g. %s\n", e.kind.c_str(),
                 commas(static_cast<double>(e.count)).c_str(), e.first_s, e.last_s, e.example.c_str());
  if (r.flow) print_flow(f, *r.flow);
  for (const auto& t : r.thresholds)
    std::fprintf(f, "threshold %-20s %s (measured %s)\n", t.expr.c_str(), t.held ? "held" : "FAILED",
                 t.actual ? fixed(*t.actual, "%.4g").c_str() : "nothing");
  if (r.interrupted) std::fprintf(f, "(interrupted before the end of --run-time)\n");
  if (const std::string st = status_text(r); r.status == "ok" && st != "ok")
    std::fprintf(f, "Status: %s\n", st.c_str());
}

}  // namespace lab
