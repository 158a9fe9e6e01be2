// loadgen capacity-report DIR: the answer table (summary.md) and report.html for a folder of
// capacity documents (make capacity writes one per workload and model).
#include "loadgen/capacity/report.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>

#include "common/output_file.h"
#include "common/format.h"
#include "loadgen/capacity/predict.h"
#include "loadgen/output/svg.h"
#include "loadgen/results/noise.h"

namespace fs = std::filesystem;

namespace lab {

namespace {

struct Suite {
  std::vector<std::string> models;  // in the order they ran
  std::vector<std::string> workloads;
  std::map<std::string, std::string> description;  // by workload
  std::string note;                                // pinning, CPUs
};

Suite read_suite(const std::string& dir) {
  Suite s;
  const fs::path p = fs::path(dir) / "capacity.json";
  std::error_code ec;
  if (!fs::exists(p, ec)) return s;
  try {
    const auto j = read_json_file(p.string());
    for (const auto& m : j.value("models", nlohmann::json::array())) s.models.push_back(m.get<std::string>());
    for (const auto& w : j.value("matrix", nlohmann::json::array())) {
      s.workloads.push_back(w.value("name", ""));
      s.description[w.value("name", "")] = w.value("description", "");
    }
    s.note = j.value("note", "");
  } catch (const std::exception&) {
    // the suite file only orders and describes; without it the documents still report
  }
  return s;
}

std::string limit_cell(const CapacityDoc& d) {
  if (const CapacityStep* f = d.fail_step(); f && !f->failed.empty())
    return "at " + rps_text(f->rate) + "/s: " + f->failed.front();
  return d.status == "max_rate" ? "nothing up to the highest rate tried" : "-";
}

std::string usl_cell(const CapacityDoc& d) {
  if (!d.usl) return "-";
  std::string s = "σ " + fixed(d.usl->sigma, "%.3f") + ", κ " + fixed(d.usl->kappa, "%.2g");
  s += d.usl->n_star ? ", N* " + fixed(*d.usl->n_star, "%.0f") : ", no peak";
  return s + ", R² " + fixed(d.usl->r2, "%.2f");
}

std::string rate_cell(const CapacityDoc& d) {
  const CapacityStep* k = d.knee_step();
  if (!k) return d.status == "below_first_step" && d.fail_step() ? "< " + rps_text(d.fail_step()->rate) : "-";
  std::string s = rps_text(k->rate);
  if (d.status == "max_rate" || d.status == "budget" || d.status == "client_bound") s = ">= " + s;
  return s;
}

std::string users_cell(const CapacityDoc& d) {
  if (!d.users) return "-";
  std::string s = commas(d.users->users);
  if (d.users->confirmed_run) s += d.users->passed ? " (confirmed" : " (NOT confirmed";
  if (d.users->confirmed_run)
    s += d.users->users_run < static_cast<int>(d.users->users) ? " at " + commas(d.users->users_run) + ")" : ")";
  return s;
}

// What shapes a request's cost, from the document: the server's knobs (the runner script adds
// them from the ready line and the arguments) and the client's connections.
PredictInput predict_input(const CapacityDoc& d) {
  PredictInput in;
  const ServerView server = server_view(d.server);
  const ServerView::Knobs& knobs = server.knobs;
  const WorkloadView client = workload_view(d.workload);
  in.model = knobs.model.empty() ? d.label : knobs.model;
  in.connections = client.users > 0 ? client.users : 50;
  in.new_connection = knobs.protocol == "seed" || knobs.keepalive != "yes" || !client.keepalive;
  in.work_us = knobs.work_us;
  in.io_wait_ms = knobs.io_wait_ms;
  in.io_wait_blocks = knobs.io_wait == "blocking";
  in.body_bytes = knobs.body_bytes;
  std::istringstream args(server.args);
  for (std::string a; args >> a;)
    if (a == "--workers") args >> in.workers;
  return in;
}

// The prediction's cells: predicted rate, and measured / predicted (flagged beyond 25%; a lower
// bound is flagged only when it already exceeds the prediction by that much).
struct PredictionCells {
  std::string predicted = "-", ratio = "-", formula;
  bool off = false;
};

PredictionCells prediction_cells(const CapacityDoc& d, const Calibration* c) {
  PredictionCells cells;
  if (!c) return cells;
  std::string why;
  const auto p = predict(predict_input(d), *c, &why);
  if (!p) {
    cells.formula = why;
    return cells;
  }
  // Under a CPU limit (SERVER_CPU_LIMIT) a CPU-bound prediction scales with the CPUs given.
  Prediction scaled = *p;
  const double cpus = server_view(d.server).cpu_limit.value_or(1.0);
  if (cpus != 1.0 && p->formula.rfind("1 CPU", 0) == 0) {
    scaled.rps = p->rps * cpus;
    scaled.formula = fixed(cpus, "%g") + " x " + p->formula;
  }
  const auto* pp = &scaled;
  cells.predicted = commas(std::round(pp->rps));
  cells.formula = pp->formula;
  const std::string measured = rate_cell(d);
  const CapacityStep* k = d.knee_step();
  if (k) {
    const Agreement a = agreement(k->rate, pp->rps);
    const bool bound = measured.rfind(">=", 0) == 0;
    cells.off = bound ? a.ratio > 1.25 : a.off;
    cells.ratio = (bound ? ">= " : "") + fixed(a.ratio, "%.2f") + "x" + (cells.off ? " (off by > 25%)" : "");
  } else if (d.status == "below_first_step" && d.fail_step()) {
    const Agreement a = agreement(d.fail_step()->rate, pp->rps);
    cells.off = a.ratio < 0.75;
    cells.ratio = "< " + fixed(a.ratio, "%.2f") + "x" + (cells.off ? " (off by > 25%)" : "");
  }
  return cells;
}

// The server's service demand measured in the search, the limit projected from it (the
// bottleneck law on the server's CPUs: its pinning, or its CPU limit), and measured / projected.
// A lower bound stays one: "">= 0.44x"" says the projection is above what the client could offer.
std::optional<Prediction> projection(const CapacityDoc& d) {
  const auto sd = service_demand(d);
  if (!sd) return std::nullopt;
  const double cpus = server_view(d.server).cpus;
  return project(predict_input(d), sd->us_per_request, cpus, 2);
}

std::vector<std::string> projection_cells(const CapacityDoc& d) {
  const auto sd = service_demand(d);
  if (!sd) return {"-", "-", "-"};
  const Prediction p = *projection(d);
  std::string demand = fixed(sd->us_per_request, "%.1f");
  if (!sd->from_rates.empty() && sd->lowest_rate < sd->from_rates.front())
    demand += " (" + fixed(sd->trend, "%.2f") + "x from " + rps_text(sd->lowest_rate) + "/s)";
  std::string ratio = "-";
  const std::string measured = rate_cell(d);
  if (const CapacityStep* k = d.knee_step(); k && p.rps > 0)
    ratio = (measured.rfind(">=", 0) == 0 ? ">= " : "") + fixed(k->rate / p.rps, "%.2f") + "x";
  return {demand, commas(std::round(p.rps)), ratio};
}

std::optional<Calibration> read_dir_calibration(const std::string& dir) {
  const fs::path p = fs::path(dir) / "calibration.json";
  std::error_code ec;
  if (!fs::exists(p, ec)) return std::nullopt;
  return read_calibration(p.string());  // a broken one is an error naming the file, not a silent gap
}

}  // namespace

std::vector<CapacityDoc> load_capacity_docs(const std::string& dir) {
  std::vector<CapacityDoc> out;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
    if (e.path().extension() != ".json" || e.path().filename() == "capacity.json") continue;
    const JsonSource src = read_json_source(e.path().string());
    const auto j = parse_json_source(src);
    if (!j.is_object() || !j.contains("schema") || j["schema"] != kCapacitySchema) continue;
    out.push_back(capacity_from_json(j, src));
  }
  if (out.empty()) throw std::runtime_error(dir + ": no capacity documents (loadlab.capacity) here");
  const Suite suite = read_suite(dir);
  auto rank = [](const std::vector<std::string>& order, const std::string& v) {
    return static_cast<std::size_t>(std::find(order.begin(), order.end(), v) - order.begin());
  };
  std::stable_sort(out.begin(), out.end(), [&](const CapacityDoc& a, const CapacityDoc& b) {
    const auto wa = rank(suite.workloads, a.workload_name), wb = rank(suite.workloads, b.workload_name);
    if (wa != wb) return wa < wb;
    if (a.workload_name != b.workload_name) return a.workload_name < b.workload_name;
    const auto ma = rank(suite.models, a.label), mb = rank(suite.models, b.label);
    return ma != mb ? ma < mb : a.label < b.label;
  });
  return out;
}

namespace {

// A workload's table, before its rows: its description, SLO and columns (the predictions' with a
// calibration of this machine).
CapacityTable new_table(const CapacityDoc& d, const Suite& suite, bool predictions) {
  CapacityTable t;
  t.workload = d.workload_name;
  t.description = suite.description.count(d.workload_name) ? suite.description.at(d.workload_name) : "";
  std::string slo;
  for (const auto& s : d.slo) slo += (slo.empty() ? "" : ", ") + s;
  t.slo = slo;
  t.table.header = {"model",
                    "max rate within SLO (req/s)",
                    "equivalent users",
                    "p99 at the knee (ms)",
                    "what limited it first",
                    "concurrency curve (USL)",
                    "status"};
  t.table.header.push_back("server CPU per request (us; trend)");
  t.table.header.push_back("projected from it (req/s)");
  t.table.header.push_back("measured / projected");
  if (predictions) {
    t.table.header.push_back("predicted (req/s)");
    t.table.header.push_back("measured / predicted");
  }
  t.table.text({"what limited it first", "concurrency curve (USL)", "status"}).css_class = "capacity";
  return t;
}

// The search's resolution: how close its last pass is to its first fail (5% by default).
double search_resolution(const CapacityDoc& d) {
  return d.settings.is_object() ? d.settings.value("resolution", 0.05) : 0.05;
}

// The answer in one line: who sustains the most, by how much.
std::string ranking_line(const CapacityTable& t) {
  // Measured capacities are ranked, and so are lower bounds (the search stopped at the client's
  // limit) whose limit projected from the server's CPU per request lies above them: the
  // projection ranks them ("~", from the same run's D). Bounds with no such projection are
  // listed apart, unordered: two client limits say nothing about which server is faster.
  // Each with its spread: a measured limit lies between its last pass and its first fail (or
  // the search's resolution above the pass); a projection between those from the least and the
  // most D of the steps it averages. Limits whose spreads overlap share a place (a tie).
  struct Ranked {
    const CapacityDoc* d;
    double rps, lo, hi;
    bool projected;
  };
  std::vector<Ranked> measured;
  std::vector<const CapacityDoc*> bounds;
  for (const CapacityDoc* d : t.docs) {
    const CapacityStep* k = d->knee_step();
    if (!k) continue;
    if (rate_cell(*d).rfind(">=", 0) != 0) {
      const CapacityStep* f = d->fail_step();
      measured.push_back(
          {d, k->rate, k->rate, f && f->rate > k->rate ? f->rate : k->rate * (1 + search_resolution(*d)), false});
    } else if (const auto p = projection(*d); p && p->rps * service_demand(*d)->us_per_request /
                                                           service_demand(*d)->lo_us * (1 + search_resolution(*d)) >=
                                                       k->rate) {
      // The projection, or where its spread reaches the bound (the server's CPU was at its limit
      // where the client stopped), the bound: the server did at least that. "Reaches" within the
      // search's resolution, the precision the bound itself has: a CPU-limited server the client
      // stopped 1-3% above its projection was at its limit, not a contradiction (a projection
      // far below what the server did is one, and stays unranked).
      const auto sd = service_demand(*d);
      const double lo = p->rps * sd->us_per_request / sd->hi_us, hi = p->rps * sd->us_per_request / sd->lo_us;
      measured.push_back({d, std::max(p->rps, k->rate), std::max(lo, k->rate), std::max(hi, k->rate), true});
    } else {
      bounds.push_back(d);
    }
  }
  std::stable_sort(measured.begin(), measured.end(), [](const Ranked& a, const Ranked& b) { return a.rps > b.rps; });
  const auto places =
      places_by_overlap(measured, [](const Ranked& a, const Ranked& b) { return a.lo <= b.hi && b.lo <= a.hi; });
  std::string line;
  if (!measured.empty()) {
    const double top = measured.front().rps;
    bool any_projected = false, any_tie = false;
    line = "Ranking:";
    for (std::size_t p = 0; p < places.size(); ++p) {
      any_tie = any_tie || places[p].size() > 1;
      for (std::size_t i = 0; i < places[p].size(); ++i) {
        const Ranked& r = places[p][i];
        const double ratio = r.rps / top;
        any_projected = any_projected || r.projected;
        line +=
            std::string(p == 0 && i == 0 ? " "
                        : i              ? " = "
                                         : " > ") +
            r.d->label + " " +
            (r.projected ? "~" + commas(std::round(r.rps)) + " (>= " + rps_text(r.d->knee_step()->rate) + " measured)"
                         : rate_cell(*r.d));
        if (p || i) line += " (" + fixed(ratio, ratio >= 0.1 ? "%.2f" : "%.3f") + "x)";
      }
    }
    line += ".";
    if (any_projected)
      line +=
          " (~: projected from the server's CPU per request in the same run, where the client was the limit; "
          "where the projection's spread reaches the rate the client stopped at, the server's CPU was at its limit "
          "there, and that rate is the figure.)";
    if (any_tie)
      line +=
          " (=: a tie, within each other's spread: a measured limit lies between its last pass and first "
          "fail, a projection between the least and the most CPU per request of its steps.)";
    // What the winner saves per request against the last, in server CPU.
    const auto best = service_demand(*measured.front().d);
    const auto worst = service_demand(*measured.back().d);
    if (measured.size() > 1 && best && worst)
      line += " " + measured.front().d->label + " spends " + fixed(best->us_per_request, "%.1f") +
              " us of server CPU per request, " + measured.back().d->label + " " +
              fixed(worst->us_per_request, "%.1f") + " us.";
  }
  if (!bounds.empty()) {
    std::sort(bounds.begin(), bounds.end(), [](auto a, auto b) { return a->label < b->label; });
    line += std::string(line.empty() ? "" : " ") + "Lower bounds, not ranked (the search stopped before the server " +
            "failed: the client was the limit, or the budget or the highest rate was reached):";
    for (std::size_t i = 0; i < bounds.size(); ++i)
      line += std::string(i ? "," : "") + " " + bounds[i]->label + " " + rate_cell(*bounds[i]);
    line += ".";
  }
  return line;
}

}  // namespace

std::vector<CapacityTable> capacity_tables(const std::vector<CapacityDoc>& docs, const std::string& dir) {
  const Suite suite = read_suite(dir);
  std::optional<Calibration> cal = read_dir_calibration(dir);
  // A calibration made on another machine predicts that machine: no predictions, and the report
  // says why.
  std::string other_host;
  if (cal && !docs.empty()) other_host = calibration_host_mismatch(*cal, docs.front().environment);
  if (!other_host.empty()) cal.reset();
  std::vector<CapacityTable> out;
  for (const auto& d : docs) {
    if (out.empty() || out.back().workload != d.workload_name) out.push_back(new_table(d, suite, cal.has_value()));
    CapacityTable& t = out.back();
    const CapacityStep* k = d.knee_step();
    t.table.rows.push_back(
        {d.label, rate_cell(d), users_cell(d), k ? ms(k->p99_ms) : "-", limit_cell(d), usl_cell(d), d.status});
    for (auto& cell : projection_cells(d)) t.table.rows.back().push_back(std::move(cell));
    if (cal) {
      const PredictionCells pc = prediction_cells(d, &*cal);
      t.table.rows.back().push_back(pc.predicted);
      t.table.rows.back().push_back(pc.ratio);
      t.predictions.push_back(d.label + ": " + (pc.formula.empty() ? "-" : pc.formula) +
                              (pc.predicted == "-" ? " (not predicted)" : "") +
                              (pc.off ? "; OFF BY MORE THAN 25%" : ""));
    }
    if (!other_host.empty() && t.predictions.empty())
      t.predictions.push_back("none: calibration.json was made on another machine (" + other_host +
                              "); make calibrate here, then make capacity");
    t.docs.push_back(&d);
  }
  for (auto& t : out) t.answer = ranking_line(t);
  return out;
}

std::string capacity_markdown(const std::vector<CapacityTable>& tables) {
  std::ostringstream o;
  for (const auto& t : tables) {
    o << "## " << t.workload << "\n\n";
    if (!t.description.empty()) o << t.description << "\n\n";
    o << "SLO: " << t.slo << " (errors <= 0.1% unless stated).\n\n" << markdown(t.table);
    if (!t.answer.empty()) o << "\n" << t.answer << "\n";
    if (!t.predictions.empty()) {
      o << "\nPredicted from this machine's costs (calibration.json; docs/performance.md says what each "
           "formula leaves out):\n\n";
      for (const auto& line : t.predictions) o << "- " << line << "\n";
    }
    o << "\n";
  }
  return o.str();
}

std::string render_capacity_report(const std::vector<CapacityTable>& tables, const std::string& title,
                                   const std::string& note) {
  std::ostringstream o;
  if (!note.empty()) o << "<p>" << esc(note) << "</p>\n";
  for (const auto& t : tables) {
    o << "<h2 id=\"w-" << esc(t.workload) << "\">" << esc(t.workload) << "</h2>\n";
    if (!t.description.empty()) o << "<p>" << esc(t.description) << "</p>\n";
    o << "<p>SLO: " << esc(t.slo) << ".</p>\n" << html(t.table);
    if (!t.answer.empty()) o << "<p><b>" << esc(t.answer) << "</b></p>\n";
    if (!t.predictions.empty()) {
      o << "<p>Predicted from this machine's costs (calibration.json):</p>\n<ul>\n";
      for (const auto& line : t.predictions) o << "<li>" << esc(line) << "</li>\n";
      o << "</ul>\n";
    }
    // D per model: the bar its projection comes from, the whisker its steps' spread.
    std::vector<BarGroup> demand;
    for (const CapacityDoc* d : t.docs)
      if (const auto sd = service_demand(*d))
        demand.push_back({d->label, {Bar{sd->us_per_request, sd->lo_us, sd->hi_us}}});
    if (!demand.empty())
      o << "<p>The server's CPU per request (D) near each model's limit: the bar is the mean of the highest passing "
           "steps, the whisker their least and most.</p>\n"
        << bar_chart("demand-" + t.workload, demand, {"server CPU per request"}, "us");
    std::vector<XySeries> latency, scaling;
    for (const CapacityDoc* d : t.docs) {
      XySeries l{d->label, {}, {}, std::nullopt};
      std::vector<const CapacityStep*> steps;
      for (const auto& s : d->steps) steps.push_back(&s);
      std::sort(steps.begin(), steps.end(), [](auto a, auto b) { return a->rate < b->rate; });
      for (const CapacityStep* s : steps)
        if (s->p99_ms) l.points.emplace_back(s->rate, *s->p99_ms);
      if (const CapacityStep* k = d->knee_step(); k && k->p99_ms) l.mark = std::make_pair(k->rate, *k->p99_ms);
      latency.push_back(l);
      XySeries c{d->label, {}, {}, std::nullopt};
      for (const auto& p : d->sweep) c.points.emplace_back(p.n, p.x);
      if (d->usl && !d->sweep.empty()) {
        const double top = d->sweep.back().n;
        for (double n = 1; n <= top * 1.0001; n *= 1.15) c.curve.emplace_back(n, d->usl->at(n));
      }
      scaling.push_back(c);
    }
    o << "<h3>p99 latency against offered load (each step of the search; the ring marks the knee)</h3>\n"
      << xy_chart("latency-" + t.workload, latency, "offered requests/s", "p99 ms", true, true)
      << "<h3>Throughput against concurrency (closed loop), with the USL fit (dashed)</h3>\n"
      << xy_chart("scaling-" + t.workload, scaling, "connections", "requests/s", true, false);
  }
  return html_page(title, o.str());
}

std::string write_capacity_report(const std::string& dir) {
  const auto docs = load_capacity_docs(dir);
  const auto tables = capacity_tables(docs, dir);
  const Suite suite = read_suite(dir);
  const std::string md = capacity_markdown(tables);
  write_output(dir + "/summary.md", "# Capacity\n\n" + (suite.note.empty() ? "" : suite.note + "\n\n") + md);
  std::error_code ec;
  const auto canonical = fs::canonical(dir, ec);
  write_output(
      dir + "/report.html",
      render_capacity_report(tables, "Capacity: " + (ec ? fs::path(dir) : canonical).filename().string(), suite.note));
  return md;
}

}  // namespace lab
