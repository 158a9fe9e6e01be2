#include "loadgen/live/view.h"

#include "common/format.h"
#include "loadgen/live/metrics.h"
#include "loadgen/output/summary.h"
#include "loadgen/results/name_rows.h"
#include "common/output_file.h"

namespace lab {

namespace {

using json = nlohmann::json;

// The largest value of a second's sparse histogram (the top of its highest bucket).
OptDouble max_of(const std::vector<std::pair<std::uint32_t, std::uint64_t>>& hist) {
  if (hist.empty()) return std::nullopt;
  const std::size_t i = hist.back().first;
  return ns_to_ms(Histogram::lowest_at(i) + Histogram::width_at(i) - 1);
}

json latency_row(const LatencySummary& l) {
  return {{"avg_ms", opt_json(l.avg_ms)}, {"min_ms", opt_json(l.min_ms)}, {"max_ms", opt_json(l.max_ms)},
          {"p50_ms", opt_json(l.p(50))},  {"p90_ms", opt_json(l.p(90))},  {"p95_ms", opt_json(l.p(95))},
          {"p99_ms", opt_json(l.p(99))}};
}

}  // namespace

json tick_json(const SeriesPoint& p, double target, const Result& r) {
  json j = {{"t", p.t},
            {"length_s", p.length_s},
            {"partial", p.partial},
            {"users", p.users},
            {"target", target},
            {"requests", p.requests},
            {"failures", p.failures},
            {"rps", p.rps},
            {"fps", p.length_s > 0 ? static_cast<double>(p.failures) / p.length_s : 0.0},
            {"avg_ms", opt_json(p.avg_ms)},
            {"p50_ms", opt_json(p.p50_ms)},
            {"p95_ms", opt_json(p.p95_ms)},
            {"p99_ms", opt_json(p.p99_ms)},
            {"max_ms", opt_json(max_of(p.hist))},
            {"cpu_pct", opt_json(p.cpu_pct)},
            {"busy_pct", opt_json(p.busy_pct)},
            {"lag_max_ms", p.lag_max_ms},
            {"late_ms", p.late_ms}};
  if (!p.names.empty()) {  // this second by name: the busiest 8 and "other", as the report draws them
    json rows = json::array();
    for (const NameSeries& n : name_series({p}, r.endpoints)) {
      const NamePoint& np = n.points.front().second;
      rows.push_back({{"name", n.name},
                      {"requests", np.requests},
                      {"failures", np.failures},
                      {"rps", np.rps},
                      {"p50_ms", opt_json(np.p50_ms)},
                      {"p95_ms", opt_json(np.p95_ms)},
                      {"p99_ms", opt_json(np.p99_ms)}});
    }
    j["second_names"] = std::move(rows);
  }
  if (!r.summary) return j;
  const Summary& s = *r.summary;
  json total = {{"requests", s.requests},
                {"failures", s.failures},
                {"duration_s", s.duration_s},
                {"rps", s.rps},
                {"failure_rate", s.failure_rate}};
  total.update(latency_row(s.latency));
  if (s.unsent) total["unsent"] = *s.unsent;
  j["total"] = total;
  json names = json::array();
  for (const NameRow& row : name_rows(r)) {
    json n = {{"name", row.name},
              {"method", row.method},
              {"aggregate", row.aggregate},
              {"requests", row.requests},
              {"failures", row.failures},
              {"rps", s.duration_s > 0 ? static_cast<double>(row.requests) / s.duration_s : 0.0},
              {"fps", s.duration_s > 0 ? static_cast<double>(row.failures) / s.duration_s : 0.0}};
    n.update(latency_row(LatencySummary::of(*row.successes)));
    names.push_back(n);
  }
  j["names"] = names;
  json codes = json::object();
  for (const auto& [code, n] : s.status_codes) codes[std::to_string(code)] = n;
  j["codes"] = codes;
  json errors = json::array();
  for (const auto& e : r.errors)
    errors.push_back(
        {{"kind", e.kind}, {"count", e.count}, {"first_s", e.first_s}, {"last_s", e.last_s}, {"example", e.example}});
  j["errors"] = errors;
  j["client"] = {
      {"cpu_pct", r.client.cpu_pct},       {"threads", r.client.threads}, {"lag_p99_ms", opt_json(r.client.lag_p99_ms)},
      {"lag_max_ms", r.client.lag_max_ms}, {"bound", r.client.bound},     {"reason", r.client.reason}};
  return j;
}

void LiveView::on_start(const json& hello) {
  run_time_s_ = hello.value("run_time_s", 0.0);
  json h = hello;
  h.update(context_);
  hub_.publish("hello", json_text(h));
}

void LiveView::on_tick(const SeriesPoint& point, double target, std::shared_ptr<const Result> so_far) {
  last_target_ = target;
  last_users_ = point.users;
  last_elapsed_ = so_far->summary ? so_far->summary->duration_s : 0;
  LiveGauges g{last_users_, last_target_, last_elapsed_,
               run_time_s_, true,         dropped_listeners ? dropped_listeners->load() : 0};
  hub_.set_result(so_far, g);  // before the tick: a watcher that reacts to it finds them current
  hub_.publish("tick", json_text(tick_json(point, target, *so_far)));
}

void LiveView::on_control(const json& change) { hub_.publish("control", json_text(change)); }

void LiveView::on_end(RunEnd& e) {
  const Result& r = e.result;
  const json& files = e.files;
  json thresholds = json::array();
  for (const auto& t : r.thresholds)
    thresholds.push_back({{"expr", t.expr}, {"held", t.held}, {"actual", opt_json(t.actual)}});
  json end = {
      {"status", r.status},   {"status_text", status_text(r)}, {"error", r.error}, {"interrupted", r.interrupted},
      {"stopped", r.stopped}, {"thresholds", thresholds},      {"files", files}};
  if (r.summary) {
    const Summary& s = *r.summary;
    end["summary"] = {{"requests", s.requests},
                      {"failures", s.failures},
                      {"rps", s.rps},
                      {"duration_s", s.duration_s},
                      {"avg_ms", opt_json(s.latency.avg_ms)},
                      {"p50_ms", opt_json(s.latency.p(50))},
                      {"p95_ms", opt_json(s.latency.p(95))},
                      {"p99_ms", opt_json(s.latency.p(99))},
                      {"fidelity", opt_json(s.schedule_fidelity)},
                      {"client_cpu_pct", r.client.cpu_pct},
                      {"client_bound", r.client.bound}};
  }
  if (!r.outputs.empty()) end["outputs"] = r.outputs;  // what each pushing output sent and dropped
  end.update(context_);
  if (context_.value("job_row", false)) {  // the job's table of finished runs (make bench-all LIVE=PORT)
    const Summary s = r.summary.value_or(Summary{});
    end["row"] = json::array({r.label, commas(static_cast<double>(s.requests)), fixed(s.rps, "%.1f"),
                              ms(s.latency.p(50)), ms(s.latency.p(99)), commas(static_cast<double>(s.failures)),
                              s.schedule_fidelity ? fixed(100 * *s.schedule_fidelity, "%.1f%%") : std::string("-"),
                              status_text(r)});
  }
  LiveGauges g{last_users_, last_target_, r.summary ? r.summary->duration_s : last_elapsed_,
               run_time_s_, false,        dropped_listeners ? dropped_listeners->load() : 0};
  hub_.set_result(std::make_shared<const Result>(r), g);
  hub_.publish("end", json_text(end));
}

}  // namespace lab
