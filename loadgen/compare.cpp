#include "loadgen/compare.h"

#include <boost/program_options.hpp>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <sstream>

#include "common/result_json.h"

namespace po = boost::program_options;

namespace lab {

namespace {

struct Metric {
  const char* name;
  double (*get)(const nlohmann::json& s);
  bool higher_is_better;
};
const Metric kMetrics[] = {
    {"requests/s", [](const nlohmann::json& s) { return s["rps"].get<double>(); }, true},
    {"avg ms", [](const nlohmann::json& s) { return s["avg_ms"].get<double>(); }, false},
    {"p50 ms", [](const nlohmann::json& s) { return s["percentiles_ms"]["50"].get<double>(); }, false},
    {"p95 ms", [](const nlohmann::json& s) { return s["percentiles_ms"]["95"].get<double>(); }, false},
    {"p99 ms", [](const nlohmann::json& s) { return s["percentiles_ms"]["99"].get<double>(); }, false},
    {"failure %", [](const nlohmann::json& s) { return 100 * s["failure_rate"].get<double>(); }, false},
};

double pct(double base, double cur) { return base != 0 ? 100.0 * (cur - base) / base : (cur == 0 ? 0 : INFINITY); }

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, std::fabs(v) >= 100 ? "%.1f" : "%.3f", v);
  return buf;
}

}  // namespace

std::vector<ModelDelta> compare_sets(const std::vector<LoadedResult>& base, const std::vector<LoadedResult>& cur,
                                     const Thresholds& t, bool force) {
  const LoadedResult* first_ok = nullptr;
  for (const auto& r : base)
    if (r.ok() && !first_ok) first_ok = &r;
  if (!force && first_ok) {
    const auto& b = *first_ok;
    for (const auto& c : cur) {
      if (!c.ok()) continue;  // a failed model has no workload of its own to compare
      if (c.doc["schema_version"] != b.doc["schema_version"])
        throw std::runtime_error("schema versions differ (" + b.path + ": " + b.doc["schema_version"].dump() + ", " +
                                 c.path + ": " + c.doc["schema_version"].dump() + "); use --force to compare anyway");
      if (comparable_workload(c.doc["workload"]) != comparable_workload(b.doc["workload"]))
        throw std::runtime_error("workloads differ (" + b.path + " vs " + c.path + "): " +
                                 comparable_workload(b.doc["workload"]).dump() + " vs " +
                                 comparable_workload(c.doc["workload"]).dump() + "; use --force to compare anyway");
    }
  }
  std::map<std::string, const LoadedResult*> bm, cm;
  std::vector<std::string> order;
  for (const auto& r : base) {
    bm[r.label()] = &r;
    order.push_back(r.label());
  }
  for (const auto& r : cur) {
    if (!bm.count(r.label()) && !cm.count(r.label())) order.push_back(r.label());
    cm[r.label()] = &r;
  }
  std::vector<ModelDelta> out;
  for (const auto& m : order) {
    ModelDelta d;
    d.model = m;
    const LoadedResult* b = bm.count(m) ? bm[m] : nullptr;
    const LoadedResult* c = cm.count(m) ? cm[m] : nullptr;
    if (b && b->ok()) d.base = b->doc["summary"];
    if (c && c->ok()) d.cur = c->doc["summary"];
    if (!b) d.note = "only in current";
    else if (!c) d.note = "only in base";
    else if (!b->ok() && !c->ok()) d.note = "failed in both";
    else if (!b->ok()) d.note = "failed in base";
    else if (!c->ok()) {
      d.note = "failed in current: " + c->doc.value("error", std::string("?"));
      d.regressed = true;
      d.reasons.push_back("the model failed to run");
    }
    if (!d.base.is_null() && !d.cur.is_null()) {
      const double rb = d.base["rps"].get<double>(), rc = d.cur["rps"].get<double>();
      if (pct(rb, rc) < -t.max_rps_drop_pct) {
        d.regressed = true;
        d.reasons.push_back("requests/s " + num(pct(rb, rc)) + "% (limit -" + num(t.max_rps_drop_pct) + "%)");
      }
      const double pb = d.base["percentiles_ms"]["95"].get<double>(), pc = d.cur["percentiles_ms"]["95"].get<double>();
      if (pct(pb, pc) > t.max_p95_rise_pct && pc - pb > t.min_latency_delta_ms) {
        d.regressed = true;
        d.reasons.push_back("p95 +" + num(pct(pb, pc)) + "% (+" + num(pc - pb) + " ms; limit +" + num(t.max_p95_rise_pct) + "% and +" +
                            num(t.min_latency_delta_ms) + " ms)");
      }
      const double fb = 100 * d.base["failure_rate"].get<double>(), fc = 100 * d.cur["failure_rate"].get<double>();
      if (fc - fb > t.max_failure_rise_pts) {
        d.regressed = true;
        d.reasons.push_back("failure rate +" + num(fc - fb) + " points (limit +" + num(t.max_failure_rise_pts) + ")");
      }
    }
    out.push_back(std::move(d));
  }
  return out;
}

std::string format_comparison(const std::vector<ModelDelta>& ds, const std::string& format, const Thresholds& t) {
  std::ostringstream o;
  if (format == "json") {
    nlohmann::json j = {{"thresholds",
                         {{"max_rps_drop_pct", t.max_rps_drop_pct}, {"max_p95_rise_pct", t.max_p95_rise_pct},
                          {"min_latency_delta_ms", t.min_latency_delta_ms}, {"max_failure_rise_pts", t.max_failure_rise_pts}}},
                        {"models", nlohmann::json::array()}};
    bool any = false;
    for (const auto& d : ds) {
      nlohmann::json m = {{"model", d.model}, {"regressed", d.regressed}, {"reasons", d.reasons}, {"note", d.note}};
      if (!d.base.is_null() && !d.cur.is_null())
        for (const auto& k : kMetrics) {
          double b = k.get(d.base), c = k.get(d.cur);
          m["metrics"][k.name] = {{"base", b}, {"current", c}, {"delta", c - b}, {"delta_pct", std::isfinite(pct(b, c)) ? nlohmann::json(pct(b, c)) : nlohmann::json(nullptr)}};
        }
      any = any || d.regressed;
      j["models"].push_back(m);
    }
    j["regressed"] = any;
    return j.dump(2) + "\n";
  }
  const bool md = format == "markdown";
  if (md) {
    o << "| model |";
    for (const auto& k : kMetrics) o << " " << k.name << " |";
    o << " verdict |\n|---|";
    for (std::size_t i = 0; i < std::size(kMetrics); ++i) o << "---:|";
    o << "---|\n";
  }
  int regressions = 0;
  for (const auto& d : ds) {
    if (d.regressed) ++regressions;
    std::string verdict = d.regressed ? "REGRESSION" : "ok";
    if (!d.note.empty()) verdict += " (" + d.note + ")";
    for (const auto& r : d.reasons) verdict += "; " + r;
    if (md) {
      o << "| " << d.model << " |";
      for (const auto& k : kMetrics) {
        if (d.base.is_null() || d.cur.is_null()) {
          o << " - |";
          continue;
        }
        double b = k.get(d.base), c = k.get(d.cur);
        o << " " << num(b) << " → " << num(c) << " (" << (c >= b ? "+" : "") << (std::isfinite(pct(b, c)) ? num(pct(b, c)) + "%" : "n/a") << ") |";
      }
      o << " " << (d.regressed ? "**" + verdict + "**" : verdict) << " |\n";
    } else {
      o << d.model << ": " << verdict << "\n";
      if (!d.base.is_null() && !d.cur.is_null())
        for (const auto& k : kMetrics) {
          double b = k.get(d.base), c = k.get(d.cur);
          char line[160];
          std::snprintf(line, sizeof line, "    %-11s %12s -> %-12s %+10.3f (%s)\n", k.name, num(b).c_str(), num(c).c_str(), c - b,
                        std::isfinite(pct(b, c)) ? (num(pct(b, c)) + "%").c_str() : "n/a");
          o << line;
        }
    }
  }
  o << (md ? "\n" : "") << (regressions ? std::to_string(regressions) + " model(s) regressed" : std::string("no regression"))
    << " (limits: requests/s -" << num(t.max_rps_drop_pct) << "%, p95 +" << num(t.max_p95_rise_pct) << "% and +"
    << num(t.min_latency_delta_ms) << " ms, failure rate +" << num(t.max_failure_rise_pts) << " points)\n";
  return o.str();
}

int compare_main(int argc, char** argv) {
  Thresholds t;
  std::string format = "text";
  std::vector<std::string> paths;
  po::options_description desc(
      "usage: loadgen compare BASE CUR [options]\n"
      "BASE and CUR are run folders or single result files.\n"
      "exit: 0 no regression, 1 regression, 2 unreadable or incomparable input\n\noptions");
  desc.add_options()("help,h", "show this help")
      ("format", po::value<std::string>(&format)->default_value("text"), "text, markdown or json")
      ("max-rps-drop", po::value<double>(&t.max_rps_drop_pct)->default_value(10), "percent requests/s may fall")
      ("max-p95-rise", po::value<double>(&t.max_p95_rise_pct)->default_value(20), "percent p95 may rise")
      ("min-latency-delta", po::value<double>(&t.min_latency_delta_ms)->default_value(1.0), "ms a p95 rise must also exceed")
      ("max-failure-rise", po::value<double>(&t.max_failure_rise_pts)->default_value(0.1), "failure-rate points it may rise")
      ("force", "compare even if workloads or schema versions differ")
      ("paths", po::value<std::vector<std::string>>(&paths), "BASE CUR");
  po::positional_options_description pos;
  pos.add("paths", 2);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(desc).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "loadgen compare: " << e.what() << "\n(see loadgen compare --help)\n";
    return 2;
  }
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return 0;
  }
  if (paths.size() != 2) {
    std::cerr << "loadgen compare: needs BASE and CUR (run folders or result files)\n";
    return 2;
  }
  if (format != "text" && format != "markdown" && format != "json") {
    std::cerr << "loadgen compare: --format: '" << format << "' is unknown (use text, markdown or json)\n";
    return 2;
  }
  try {
    auto base = load_result_set(paths[0]);
    auto cur = load_result_set(paths[1]);
    order_results(base);
    auto ds = compare_sets(base, cur, t, vm.count("force") > 0);
    std::cout << format_comparison(ds, format, t);
    for (const auto& d : ds)
      if (d.regressed) return 1;
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "loadgen compare: " << e.what() << "\n";
    return 2;
  }
}

}  // namespace lab
