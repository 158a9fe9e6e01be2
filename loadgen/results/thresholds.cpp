#include "loadgen/results/thresholds.h"

#include <optional>
#include <utility>
#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace lab {

namespace {

// A finite number: "nan", "inf" and overflowing values are not limits anyone means.
bool number(std::string_view s, double& out) {
  if (s.empty()) return false;
  std::string tmp(s);
  char* end = nullptr;
  out = std::strtod(tmp.c_str(), &end);
  return end == tmp.c_str() + tmp.size() && std::isfinite(out);
}

bool is_latency(const std::string& m) { return m == "avg" || m == "min" || m == "max" || m[0] == 'p'; }

}  // namespace

namespace {

// {name=NAME} or {name="NAME"} at the start of `sel`: the name, and where the selector ends (one
// past its '}'); nullopt when it is not one. A quoted name may hold anything, with \" and \\ for
// a quote and a backslash; an unquoted one runs to the first '}' (so it may hold < and >).
std::optional<std::pair<std::string, std::size_t>> selector(std::string_view sel) {
  if (sel.rfind("{name=", 0) != 0) return std::nullopt;
  std::size_t i = 6;
  std::string name;
  if (i < sel.size() && sel[i] == '"') {
    for (++i; i < sel.size() && sel[i] != '"'; ++i) {
      if (sel[i] == '\\' && i + 1 < sel.size() && (sel[i + 1] == '"' || sel[i + 1] == '\\')) ++i;
      name += sel[i];
    }
    if (i >= sel.size() || i + 1 >= sel.size() || sel[i + 1] != '}') return std::nullopt;
    i += 2;
  } else {
    const std::size_t close = sel.find('}', i);
    if (close == std::string_view::npos) return std::nullopt;
    name = std::string(sel.substr(i, close - i));
    i = close + 1;
  }
  if (name.empty()) return std::nullopt;
  return std::make_pair(name, i);
}

}  // namespace

namespace {

bool compare(const std::string& op, double a, double l) {
  return op == "<" ? a < l : op == "<=" ? a <= l : op == ">" ? a > l : a >= l;
}

}  // namespace

std::optional<ThresholdSpec> parse_threshold(std::string_view expr, std::string& error) {
  ThresholdSpec t;
  t.expr = std::string(expr);
  // metric{name=NAME}: one request name's statistics. The comparison follows the selector (a
  // name may hold < or >).
  const std::size_t brace = expr.find('{');
  std::size_t at = expr.find_first_of("<>");
  if (brace != std::string_view::npos && (at == std::string_view::npos || brace < at)) {
    const auto sel = selector(expr.substr(brace));
    if (!sel) {
      error = "'" + t.expr +
              "': a selector is {name=NAME}, or {name=\"NAME\"} for a name that holds } or \" (e.g. "
              "p95{name=search}<50ms, p95{name=\"a}b\"}<50ms)";
      return std::nullopt;
    }
    t.metric = std::string(expr.substr(0, brace));
    t.name = sel->first;
    at = brace + sel->second;
    if (at >= expr.size() || (expr[at] != '<' && expr[at] != '>')) {
      error = "'" + t.expr + "': after the selector comes the comparison (e.g. p95{name=" + t.name + "}<50ms)";
      return std::nullopt;
    }
    if (t.metric == "fidelity") {
      error = "'" + t.expr + "': fidelity is the run's schedule, not a request name's (leave {name=...} out)";
      return std::nullopt;
    }
  } else {
    if (at == std::string_view::npos || at == 0) {
      error = "'" + t.expr + "' has no comparison (use e.g. p99<5ms, errors<1%, rps>1000)";
      return std::nullopt;
    }
    t.metric = std::string(expr.substr(0, at));
  }
  if (t.metric.empty()) {
    error = "'" + t.expr + "' has no metric before the comparison (use e.g. p99<5ms)";
    return std::nullopt;
  }
  std::size_t vstart = at + 1;
  t.op = std::string(1, expr[at]);
  if (vstart < expr.size() && expr[vstart] == '=') {
    t.op += '=';
    ++vstart;
  }
  std::string_view value = expr.substr(vstart);
  // the metric
  if (t.metric[0] == 'p' && t.metric != "p") {
    double q = 0;
    if (!number(std::string_view(t.metric).substr(1), q) || q <= 0 || q > 100) {
      error = "'" + t.metric + "' is not a percentile (use p50, p99, p99.9, ...)";
      return std::nullopt;
    }
  } else if (t.metric != "avg" && t.metric != "min" && t.metric != "max" && t.metric != "rps" && t.metric != "errors" &&
             t.metric != "fidelity" && t.metric != "checks") {
    error = "unknown metric '" + t.metric + "' (use p<N>, avg, min, max, rps, errors, checks or fidelity)";
    return std::nullopt;
  }
  // the value and its unit
  if (!value.empty() && value.back() == '%') {
    t.percent = true;
    value.remove_suffix(1);
  }
  double scale = 1;
  if (is_latency(t.metric)) {
    auto strip = [&](std::string_view unit) {
      if (value.size() <= unit.size() || value.substr(value.size() - unit.size()) != unit) return false;
      value.remove_suffix(unit.size());
      return true;
    };
    if (strip("ns"))
      scale = 1e-6;
    else if (strip("us"))
      scale = 1e-3;
    else if (strip("ms"))
      scale = 1;
    else if (strip("s"))
      scale = 1e3;
    if (t.percent) {
      error = "'" + t.expr + "': a latency takes a time (e.g. 5ms), not a percentage";
      return std::nullopt;
    }
  } else if (t.metric == "fidelity" && !t.percent) {
    error = "'" + t.expr + "': fidelity is a percentage (e.g. fidelity>99%)";
    return std::nullopt;
  } else if (t.metric == "checks" && !t.percent) {
    error = "'" + t.expr + "': checks is the share of checks that passed, a percentage (e.g. checks>99%)";
    return std::nullopt;
  } else if (t.metric == "rps" && t.percent) {
    error = "'" + t.expr + "': rps is requests per second, not a percentage";
    return std::nullopt;
  }
  if (!number(value, t.limit) || t.limit < 0) {
    error = "'" + t.expr + "' has no valid number after '" + t.op + "'";
    return std::nullopt;
  }
  t.limit *= scale;
  return t;
}

Threshold evaluate(const ThresholdSpec& spec, const Result& r) {
  Threshold out{spec.expr, spec.metric, spec.op, spec.limit, std::nullopt, false, spec.name};
  if (!r.summary) return out;
  if (spec.metric == "checks") {  // the share that passed, by the checks' own request names (none run: not judged)
    if (r.flow) {
      const double p = static_cast<double>(r.flow->passes(spec.name)),
                   f = static_cast<double>(r.flow->fails(spec.name));
      if (p + f > 0) out.actual = 100.0 * p / (p + f);
    }
    if (out.actual) out.held = compare(spec.op, *out.actual, spec.limit);
    return out;
  }
  const Summary& s = *r.summary;
  const Histogram* h = r.histogram ? &*r.histogram : nullptr;
  double requests = static_cast<double>(s.requests), failures = static_cast<double>(s.failures);
  if (!spec.name.empty()) {  // the named request's statistics (absent: nothing to judge, not held)
    const auto e =
        std::find_if(r.endpoints.begin(), r.endpoints.end(), [&](const auto& x) { return x.name == spec.name; });
    if (e == r.endpoints.end()) return out;
    h = &e->histogram;
    requests = static_cast<double>(e->requests);
    failures = static_cast<double>(e->failures);
  }
  const bool measured = h && h->count() > 0;
  if (spec.metric == "rps") {
    out.actual = spec.name.empty() ? s.rps : (s.duration_s > 0 ? requests / s.duration_s : 0);
  } else if (spec.metric == "errors") {
    out.actual = spec.percent ? (requests > 0 ? 100.0 * failures / requests : 0) : failures;
  } else if (spec.metric == "fidelity") {
    if (s.schedule_fidelity) out.actual = 100.0 * *s.schedule_fidelity;
  } else if (measured) {
    if (spec.metric == "avg")
      out.actual = h->mean() / 1e6;
    else if (spec.metric == "min")
      out.actual = static_cast<double>(h->min()) / 1e6;
    else if (spec.metric == "max")
      out.actual = static_cast<double>(h->max()) / 1e6;
    else
      out.actual = static_cast<double>(h->percentile(std::strtod(spec.metric.c_str() + 1, nullptr))) / 1e6;
  }
  if (!out.actual) return out;  // nothing to judge (no success, or no schedule): not held
  out.held = compare(spec.op, *out.actual, spec.limit);
  return out;
}

std::string check_threshold_names(const std::vector<ThresholdSpec>& specs, const std::vector<std::string>& names) {
  for (const auto& t : specs) {
    if (t.name.empty() || std::find(names.begin(), names.end(), t.name) != names.end()) continue;
    if (names.empty())
      return "'" + t.expr + "' names a request, but this run has no request names (they come from --scenario)";
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    return "'" + t.expr + "': no request is named '" + t.name + "' (the names: " + list + ")";
  }
  return "";
}

bool final_once_failed(const ThresholdSpec& spec) {
  const bool upper = spec.op == "<" || spec.op == "<=";
  return upper && ((spec.metric == "errors" && !spec.percent) || spec.metric == "max");
}

}  // namespace lab
