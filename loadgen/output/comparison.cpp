// A comparison of two result sets (results/compare.h) as text, a Markdown table or JSON.
#include "loadgen/output/comparison.h"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/format.h"
#include "common/output_file.h"
#include "loadgen/output/table.h"
#include "loadgen/results/noise.h"

namespace lab {

std::string format_comparison(const std::vector<ModelDelta>& ds, const std::string& format, const CompareLimits& t) {
  const std::string machines = machine_difference(ds);
  std::ostringstream o;
  if (format == "json") {
    nlohmann::json j = {{"limits",
                         {{"max_rps_drop_pct", t.max_rps_drop_pct},
                          {"max_p95_rise_pct", t.max_p95_rise_pct},
                          {"min_latency_delta_ms", t.min_latency_delta_ms},
                          {"max_failure_rise_pts", t.max_failure_rise_pts}}},
                        {"models", nlohmann::json::array()}};
    bool any = false, unsure = false;
    for (const auto& d : ds) {
      nlohmann::json m = {{"model", d.model},
                          {"regressed", d.regressed},
                          {"inconclusive", d.inconclusive},
                          {"reasons", d.reasons},
                          {"note", d.note}};
      if (d.base && d.cur)
        for (const auto& k : all_metrics()) {
          const OptDouble b = value(*d.base, k.metric), c = value(*d.cur, k.metric);
          nlohmann::json e = {{"base", b ? nlohmann::json(*b) : nlohmann::json(nullptr)},
                              {"current", c ? nlohmann::json(*c) : nlohmann::json(nullptr)},
                              {"base_noise", spread_text(*d.base, k.metric)},
                              {"current_noise", spread_text(*d.cur, k.metric)}};
          if (b && c && std::isfinite(pct(*b, *c))) e["delta_pct"] = pct(*b, *c);
          m["metrics"][k.key] = e;
        }
      any = any || d.regressed;
      unsure = unsure || d.inconclusive;
      j["models"].push_back(m);
    }
    j["regressed"] = any;
    j["inconclusive"] = unsure;
    if (!machines.empty()) j["machines"] = machines;
    return json_text(j, 2) + "\n";
  }
  const bool md = format == "markdown";
  Table table;  // markdown: a row per model
  table.header.push_back("model");
  for (const auto& k : all_metrics()) table.header.push_back(k.title);
  table.header.push_back("verdict");
  table.text_columns.insert(table.header.size() - 1);
  int regressions = 0, unsure = 0;
  bool repeats = false;
  for (const auto& d : ds) {
    if (d.regressed) ++regressions;
    if (d.inconclusive) ++unsure;
    if (d.base && d.cur && d.base->repeats && d.cur->repeats) repeats = true;
    std::string verdict = d.regressed ? "REGRESSION" : d.inconclusive ? "INCONCLUSIVE" : "ok";
    if (!d.note.empty()) verdict += " (" + d.note + ")";
    for (const auto& r : d.reasons) verdict += "; " + r;
    if (md) {
      std::vector<std::string> row = {d.model};
      for (const auto& k : all_metrics()) {
        const OptDouble ob = d.base ? value(*d.base, k.metric) : std::nullopt,
                        oc = d.cur ? value(*d.cur, k.metric) : std::nullopt;
        if (!ob || !oc) {
          row.emplace_back("-");
          continue;
        }
        const double b = ob.value(), c = oc.value();  // value(): GCC 12 -Wmaybe-uninitialized misfires on *
        row.push_back(delta_num(b) + " → " + delta_num(c) + " (" + (c >= b ? "+" : "") +
                      (std::isfinite(pct(b, c)) ? delta_num(pct(b, c)) + "%" : "n/a") + ")");
      }
      row.push_back(d.regressed ? "**" + verdict + "**" : verdict);
      table.rows.push_back(std::move(row));
      continue;
    }
    o << d.model << ": " << verdict << "\n";
    if (!d.base || !d.cur) continue;
    for (const auto& k : all_metrics()) {
      const OptDouble b = value(*d.base, k.metric), c = value(*d.cur, k.metric);
      if (!b || !c) continue;
      char line[256];
      std::snprintf(line, sizeof line, "    %-11s %12s -> %-12s %+10.3f (%s)  noise: base %s, current %s\n", k.title,
                    delta_num(*b).c_str(), delta_num(*c).c_str(), *c - *b,
                    std::isfinite(pct(*b, *c)) ? (delta_num(pct(*b, *c)) + "%").c_str() : "n/a",
                    spread_text(*d.base, k.metric).c_str(), spread_text(*d.cur, k.metric).c_str());
      o << line;
    }
  }
  if (md) o << markdown(table) << "\n";
  o << (regressions ? std::to_string(regressions) + " model(s) regressed" : std::string("no regression"))
    << (unsure ? ", " + std::to_string(unsure) + " inconclusive (client-bound)" : std::string())
    << " (limits: requests/s -" << delta_num(t.max_rps_drop_pct) << "%, p95 +" << delta_num(t.max_p95_rise_pct)
    << "% and +" << delta_num(t.min_latency_delta_ms) << " ms, failure rate +" << delta_num(t.max_failure_rise_pts)
    << " points; a change counts only beyond the noise: "
    << (repeats ? "the repeats' min-max"
                : "single runs, so each run's per-second spread (+/- 2 standard errors) is the noise assumed")
    << ")\n";
  if (!machines.empty()) o << (md ? "\n" : "") << "Note: " << machines << ".\n";
  return o.str();
}

}  // namespace lab
