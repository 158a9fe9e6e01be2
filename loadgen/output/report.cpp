#include "loadgen/output/report.h"

#include <filesystem>
#include <sstream>

#include "common/output_file.h"
#include "common/format.h"
#include "loadgen/results/name_rows.h"
#include "loadgen/results/noise.h"
#include "loadgen/results/result_set.h"
#include "loadgen/output/summary.h"
#include "loadgen/output/svg.h"

namespace lab {

namespace {

Bar bar_of(const Result& r, Metric m) {
  Bar b;
  b.value = value(r, m).value_or(0);
  if (const auto s = spread(r, m)) {
    b.lo = s->lo;
    b.hi = s->hi;
  }
  return b;
}

std::string errors_section(const std::vector<Result>& rs) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : rs)
    for (const auto& e : r.errors)
      rows.push_back({r.name(), e.kind, commas(static_cast<double>(e.count)), fixed(e.first_s, "%.1f"),
                      fixed(e.last_s, "%.1f"), e.example});
  if (rows.empty()) return "<h2>Errors</h2>\n<p>No request failed.</p>\n";
  Table t{{"model", "kind", "count", "first s", "last s", "example"}, rows, {0}, "errors"};
  return "<h2>Errors</h2>\n" + html(t.text({"kind", "example"}));
}

std::string client_section(const std::vector<Result>& rs) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : rs) {
    if (!r.has_summary()) continue;
    const ClientHealth& c = r.client;
    rows.push_back({r.name(), ms(c.lag_p99_ms), fixed(c.lag_max_ms, "%.1f"), fixed(c.cpu_pct, "%.0f%%"),
                    std::to_string(c.threads), c.bound ? "client-bound: " + c.reason : "healthy"});
  }
  return "<h2>The load generator's own health</h2>\n<p>Lag is how late the client woke for requests it was waiting "
         "to send; CPU is its busy share of its load threads. A client-bound run measured the client, not the "
         "server.</p>\n" +
         html(Table{{"model", "lag p99 ms", "lag max ms", "CPU", "threads", "reason"}, rows, {0}, "client"}.text(
             {"reason"}));
}

std::vector<LinePoint> points(const Result& r, OptDouble (*get)(const SeriesPoint&)) {
  std::vector<LinePoint> v;
  for (const auto& p : r.series) v.push_back({static_cast<double>(p.t), get(p), p.partial});
  return v;
}

// A scenario's per-name lines: requests/s and p95 of each name (the busiest 8, the rest as "other").
std::string name_charts(const Result& r) {
  const std::vector<NameSeries> names = name_series(r);
  if (names.empty()) return "";
  std::vector<XySeries> rate, p95;
  for (const auto& n : names) {
    XySeries a{n.name, {}, {}, {}}, b{n.name, {}, {}, {}};
    for (const auto& [t, p] : n.points) {
      a.points.emplace_back(t, p.rps);
      if (p.p95_ms) b.points.emplace_back(t, *p.p95_ms);
    }
    rate.push_back(std::move(a));
    p95.push_back(std::move(b));
  }
  const std::string id = esc(r.name());
  return "<br>" + xy_chart("names-rps-" + id, rate, "seconds", "requests/s by name", false, false) + "<br>" +
         xy_chart("names-p95-" + id, p95, "seconds", "p95 ms by name", false, false);
}

}  // namespace

std::string render_report(const std::vector<Result>& rs, const std::string& title) {
  std::vector<BarGroup> rps, lat;
  for (const auto& r : rs) {
    if (!r.has_summary()) continue;
    rps.push_back({r.name(), {bar_of(r, Metric::kRps)}});
    if (value(r, Metric::kP50))
      lat.push_back({r.name(), {bar_of(r, Metric::kP50), bar_of(r, Metric::kP95), bar_of(r, Metric::kP99)}});
  }
  const SummaryTable t = summary_table(rs);
  std::ostringstream o;
  for (const auto& r : rs) {
    if (!r.has_summary()) continue;
    o << "<p>loadgen " << esc(r.tool.value("version", "?")) << " (" << esc(r.tool.value("git_sha", "?")) << "), "
      << esc(r.started_at) << ", " << environment_view(r.environment).cpus << " CPUs, "
      << esc(environment_view(r.environment).kernel) << ".</p>\n";
    break;
  }
  o << "<p>" << esc(t.workload) << "</p>\n";
  for (const auto& w : t.warnings) o << "<p class=\"warn\">Warning: " << esc(w) << "</p>\n";
  o << "<h2>Summary</h2>\n" << html(t.table);
  for (const auto& n : t.notes) o << "<p>" << esc(n) << "</p>\n";
  for (const auto& r : t.rankings) o << "<p>" << esc(r) << "</p>\n";
  o << "<h2>Requests per second</h2>\n" << bar_chart("chart-rps", rps, {"requests/s"}, "req/s");
  o << "<h2>Latency percentiles</h2>\n";
  if (lat.empty())
    o << "<p>No request succeeded: there is no latency to show.</p>\n";
  else
    o << bar_chart("chart-latency", lat, {"p50", "p95", "p99"}, "ms");
  o << "<p>Whiskers span each value's noise. " << esc(noise_note(rs)) << "</p>\n";
  for (const auto& r : rs)
    for (const auto& d : detail_tables(r)) o << "<h2>" << esc(d.title) << "</h2>\n" << html(d.table);
  o << errors_section(rs) << client_section(rs);
  o << "<h2>Per second</h2>\n<p>Hollow dots mark a last, partial second.</p>\n";
  for (const auto& r : rs) {
    if (!r.has_summary()) continue;
    o << "<div class=\"model\"><h3>" << esc(r.name()) << "</h3>\n"
      << line_chart(r.name(), "users", "users", points(r, [](const SeriesPoint& p) { return OptDouble(p.users); }),
                    "#59a14f")
      << "<br>"
      << line_chart(r.name(), "requests/s", "rps", points(r, [](const SeriesPoint& p) { return OptDouble(p.rps); }),
                    "#4e79a7")
      << "<br>"
      << line_chart(r.name(), "p95 ms", "p95_ms", points(r, [](const SeriesPoint& p) { return p.p95_ms; }), "#e15759")
      << name_charts(r) << "</div>\n";
  }
  return html_page(title, o.str());
}

}  // namespace lab
