// The capacity document (loadlab.capacity, version 1): writer and typed reader.
#include <cmath>
#include <limits>
#include <stdexcept>

#include "loadgen/capacity.h"

namespace lab {

namespace {

using json = nlohmann::json;

json opt(const OptDouble& v) { return v ? json(*v) : json(nullptr); }

OptDouble opt_num(const json& j, const char* k) {
  return j.contains(k) && j[k].is_number() ? OptDouble(j[k].get<double>()) : std::nullopt;
}

json step_json(const CapacityStep& s) {
  return {{"rate", s.rate},
          {"phase", s.phase},
          {"passed", s.passed},
          {"client_bound", s.client_bound},
          {"failed", s.failed},
          {"limit", s.limit},
          {"window",
           {{"requests", s.requests},
            {"achieved_rps", s.achieved_rps},
            {"error_pct", s.error_pct},
            {"p50_ms", opt(s.p50_ms)},
            {"p95_ms", opt(s.p95_ms)},
            {"p99_ms", opt(s.p99_ms)},
            {"mean_ms", opt(s.mean_ms)},
            {"service_mean_ms", opt(s.service_mean_ms)},
            {"late_growth_ms", s.late_growth_ms}}},
          {"settle_s", s.settle_s},
          {"result", s.result}};
}

}  // namespace

json to_json(const CapacityDoc& d) {
  json steps = json::array();
  for (const auto& s : d.steps) steps.push_back(step_json(s));
  json sweep = json::array();
  for (const auto& p : d.sweep) sweep.push_back({{"connections", p.n}, {"rps", p.x}});
  json usl = nullptr;
  if (d.usl)
    usl = {{"lambda", d.usl->lambda},      {"sigma", d.usl->sigma},
           {"kappa", d.usl->kappa},        {"r2", d.usl->r2},
           {"n_star", opt(d.usl->n_star)}, {"x_max", std::isfinite(d.usl->x_max) ? json(d.usl->x_max) : json(nullptr)}};
  json users = nullptr;
  if (d.users) {
    const UsersEstimate& u = *d.users;
    users = {{"think_mean_s", u.think_mean_s},
             {"response_s", u.response_s},
             {"users", u.users},
             {"confirmed_run", u.confirmed_run},
             {"users_run", u.users_run},
             {"limited_by", u.limited_by},
             {"offered_rps", u.offered_rps},
             {"fidelity", u.achieved_fidelity},
             {"p99_ms", opt(u.p99_ms)},
             {"passed", u.passed},
             {"verdict", u.verdict}};
  }
  json j = {{"schema", kCapacitySchema},
            {"schema_version", d.schema_version},
            {"tool", d.tool},
            {"label", d.label},
            {"workload_name", d.workload_name},
            {"started_at", d.started_at},
            {"url", d.url},
            {"workload", d.workload},
            {"slo", d.slo},
            {"settings", d.settings},
            {"environment", d.environment},
            {"command_line", d.command_line},
            {"status", d.status},
            {"verdict", d.verdict},
            {"knee_step", d.knee ? json(*d.knee) : json(nullptr)},
            {"first_fail_step", d.first_fail ? json(*d.first_fail) : json(nullptr)},
            {"sweep", sweep},
            {"usl", usl},
            {"users", users},
            {"elapsed_s", d.elapsed_s},
            {"steps", steps}};
  if (!d.server.is_null()) j["server"] = d.server;
  return j;
}

CapacityDoc capacity_from_json(const json& j, const std::string& path) {
  auto fail = [&](const std::string& field, const std::string& what) -> void {
    throw std::runtime_error(path + ": field '" + field + "' " + what);
  };
  if (!j.is_object() || !j.contains("schema") || j["schema"] != kCapacitySchema)
    fail("schema", std::string("must be \"") + kCapacitySchema + "\" (is this a loadgen capacity document?)");
  if (!j.contains("schema_version") || j["schema_version"] != 1) fail("schema_version", "must be 1");
  for (const char* k : {"label", "workload_name", "status", "verdict"})
    if (!j.contains(k) || !j[k].is_string()) fail(k, "is missing or not a string");
  for (const char* k : {"steps", "sweep", "slo"})
    if (!j.contains(k) || !j[k].is_array()) fail(k, "is missing or not an array");
  CapacityDoc d;
  d.path = path;
  d.tool = j.value("tool", json::object());
  d.label = j["label"];
  d.workload_name = j["workload_name"];
  d.status = j["status"];
  d.verdict = j["verdict"];
  d.started_at = j.value("started_at", "");
  d.url = j.value("url", "");
  d.workload = j.value("workload", json::object());
  d.settings = j.value("settings", json::object());
  d.environment = j.value("environment", json::object());
  d.elapsed_s = j.value("elapsed_s", 0.0);
  if (j.contains("server")) d.server = j["server"];
  for (const auto& s : j["slo"]) d.slo.push_back(s.get<std::string>());
  for (std::size_t i = 0; i < j["steps"].size(); ++i) {
    const json& s = j["steps"][i];
    const std::string where = "steps[" + std::to_string(i) + "]";
    if (!s.is_object() || !s.contains("rate") || !s["rate"].is_number() || !s.contains("passed") ||
        !s.contains("window"))
      fail(where, "must have rate, passed and window");
    CapacityStep st;
    st.rate = s["rate"];
    st.phase = s.value("phase", "");
    st.passed = s["passed"];
    st.client_bound = s.value("client_bound", false);
    st.limit = s.value("limit", "");
    for (const auto& f : s.value("failed", json::array())) st.failed.push_back(f.get<std::string>());
    const json& w = s["window"];
    st.requests = w.value("requests", std::uint64_t{0});
    st.achieved_rps = w.value("achieved_rps", 0.0);
    st.error_pct = w.value("error_pct", 0.0);
    st.late_growth_ms = w.value("late_growth_ms", 0.0);
    st.settle_s = s.value("settle_s", 0.0);
    st.p50_ms = opt_num(w, "p50_ms");
    st.p95_ms = opt_num(w, "p95_ms");
    st.p99_ms = opt_num(w, "p99_ms");
    st.mean_ms = opt_num(w, "mean_ms");
    st.service_mean_ms = opt_num(w, "service_mean_ms");
    d.steps.push_back(std::move(st));
  }
  auto index = [&](const char* k) -> std::optional<std::size_t> {
    if (!j.contains(k) || j[k].is_null()) return std::nullopt;
    if (!j[k].is_number_unsigned() || j[k].get<std::size_t>() >= d.steps.size()) fail(k, "must index a step");
    return j[k].get<std::size_t>();
  };
  d.knee = index("knee_step");
  d.first_fail = index("first_fail_step");
  for (const auto& p : j["sweep"]) d.sweep.push_back({p.value("connections", 0.0), p.value("rps", 0.0)});
  if (j.contains("usl") && j["usl"].is_object()) {
    const json& u = j["usl"];
    UslFit f;
    f.lambda = u.value("lambda", 0.0);
    f.sigma = u.value("sigma", 0.0);
    f.kappa = u.value("kappa", 0.0);
    f.r2 = u.value("r2", 0.0);
    f.n_star = opt_num(u, "n_star");
    f.x_max = opt_num(u, "x_max").value_or(std::numeric_limits<double>::infinity());
    d.usl = f;
  }
  if (j.contains("users") && j["users"].is_object()) {
    const json& u = j["users"];
    UsersEstimate e;
    e.think_mean_s = u.value("think_mean_s", 0.0);
    e.response_s = u.value("response_s", 0.0);
    e.users = u.value("users", 0.0);
    e.confirmed_run = u.value("confirmed_run", false);
    e.users_run = u.value("users_run", 0);
    e.limited_by = u.value("limited_by", "");
    e.offered_rps = u.value("offered_rps", 0.0);
    e.achieved_fidelity = u.value("fidelity", 0.0);
    e.p99_ms = opt_num(u, "p99_ms");
    e.passed = u.value("passed", false);
    e.verdict = u.value("verdict", "");
    d.users = e;
  }
  return d;
}

}  // namespace lab
