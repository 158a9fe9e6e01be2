#include "common/calibration.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "common/json_reader.h"

namespace lab {

using json = nlohmann::json;

std::optional<double> Calibration::us(const std::string& name) const {
  const auto it = costs.find(name);
  if (it == costs.end()) return std::nullopt;
  return it->second.median_us;
}

namespace {
double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(pos);
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - static_cast<double>(lo));
}
}  // namespace

Cost summarize(const std::string& what, std::vector<double> us, std::size_t per_sample) {
  std::sort(us.begin(), us.end());
  return Cost{what, quantile(us, 0.5), quantile(us, 0.1), quantile(us, 0.9), us.size(), per_sample};
}

json to_json(const Calibration& c) {
  json costs = json::object();
  for (const auto& [name, k] : c.costs)
    costs[name] = {{"what", k.what},     {"median_us", k.median_us}, {"p10_us", k.p10_us},
                   {"p90_us", k.p90_us}, {"samples", k.samples},     {"per_sample", k.per_sample}};
  json j = {{"schema", "loadlab.calibration"},
            {"version", 1},
            {"created", c.created},
            {"host", c.host},
            {"loop_iterations_per_us", c.loop_iterations_per_us},
            {"costs", costs}};
  if (!c.errors.empty()) j["errors"] = c.errors;
  return j;
}

namespace {
Calibration from_source(const json& j, const JsonSource& src) {
  const std::string& path = src.file;
  const Field root(j, src);
  root.expect_object();
  if (root.at("schema").str() != "loadlab.calibration") root.at("schema").fail("must be \"loadlab.calibration\"");
  if (root.at("version").i32() != 1) root.at("version").fail("must be 1 (this loadgen reads version 1)");
  Calibration c;
  c.path = path;
  c.created = root.at("created").str();
  if (root.has("host")) {
    root.at("host").expect_object();
    c.host = j["host"];
  }
  c.loop_iterations_per_us = root.at("loop_iterations_per_us").num_in(0, 1e12);
  root.at("costs").members([&](const std::string& name, const Field& f) {
    Cost k;
    k.what = f.has("what") ? f.at("what").str() : "";
    k.median_us = f.at("median_us").num_in(0, 1e12);
    if (!(k.median_us > 0)) f.at("median_us").fail("must be a positive time (an operation takes some; make calibrate)");
    k.p10_us = f.at("p10_us").num_in(0, 1e12);
    k.p90_us = f.at("p90_us").num_in(0, 1e12);
    k.samples = f.at("samples").u64();
    k.per_sample = f.at("per_sample").u64();
    c.costs[name] = k;
  });
  if (root.has("errors"))
    root.at("errors").members([&](const std::string& n, const Field& f) { c.errors[n] = f.str(); });
  return c;
}
}  // namespace

std::string calibration_host_mismatch(const Calibration& c, const json& env) {
  if (!env.is_object() || !c.host.is_object()) return {};
  std::string out;
  auto compare = [&](const char* what, const json& there, const json& here) {
    if (there.is_null() || here.is_null() || there == here) return;
    if (there.is_string() && (there.get<std::string>().empty() || here.get<std::string>().empty())) return;
    auto text = [](const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); };
    out += (out.empty() ? "" : "; ") + std::string(what) + " " + text(there) + " there, " + text(here) + " here";
  };
  auto field = [](const json& o, const char* k) { return o.contains(k) ? o[k] : json(); };
  compare("host", field(c.host, "hostname"), field(env, "hostname"));
  compare("kernel", field(c.host, "kernel"), field(env, "kernel"));
  compare("CPU", field(c.host, "cpu_model"), field(env, "cpu_model"));
  compare("CPUs", field(c.host, "cpus_online"), env.contains("cpus_online") ? env["cpus_online"] : field(env, "cpus"));
  return out;
}

Calibration calibration_from_json(const json& j, const std::string& path) {
  return from_source(j, JsonSource{path, ""});
}

Calibration read_calibration(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot read the calibration (make calibrate writes one)");
  std::stringstream ss;
  ss << in.rdbuf();
  const JsonSource src{path, ss.str()};
  const json j = parse_json_source(src);
  try {
    return from_source(j, src);
  } catch (const JsonFieldError& e) {
    throw std::runtime_error(e.what());
  }
}

}  // namespace lab
