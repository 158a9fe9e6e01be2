// The capacity document (loadlab.capacity, version 1): writer and typed reader.
#include <algorithm>
#include <cmath>
#include <limits>
#include <iterator>
#include <stdexcept>

#include "loadgen/capacity/document.h"

namespace lab {

namespace {

using json = nlohmann::json;

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
            {"p50_ms", opt_json(s.p50_ms)},
            {"p95_ms", opt_json(s.p95_ms)},
            {"p99_ms", opt_json(s.p99_ms)},
            {"mean_ms", opt_json(s.mean_ms)},
            {"service_mean_ms", opt_json(s.service_mean_ms)},
            {"late_growth_ms", s.late_growth_ms},
            {"server_us_per_request", opt_json(s.server_us_per_request)},
            {"server_cpus", opt_json(s.server_cpus)},
            {"server_throttled_s", opt_json(s.server_throttled_s)}}},
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
    usl = {{"lambda", d.usl->lambda},
           {"sigma", d.usl->sigma},
           {"kappa", d.usl->kappa},
           {"r2", d.usl->r2},
           {"n_star", opt_json(d.usl->n_star)},
           {"x_max", std::isfinite(d.usl->x_max) ? json(d.usl->x_max) : json(nullptr)}};
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
             {"p99_ms", opt_json(u.p99_ms)},
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
  return capacity_from_json(j, JsonSource{path, {}});
}

// Strict: every field the report and the tools use is checked here, with the invariants they
// rely on (a failed step says why; the knee is a passed step and the first failure a failed one),
// so that nothing downstream meets a document it cannot show.
CapacityDoc capacity_from_json(const json& j, const JsonSource& src) {
  const Field root(j, src);
  root.expect_object();
  if (root.slot("schema").raw() != kCapacitySchema)
    root.slot("schema").fail(std::string("must be \"") + kCapacitySchema + "\" (is this a loadgen capacity document?)");
  if (root.at("schema_version").i32() != 1) root.at("schema_version").fail("must be 1");
  CapacityDoc d;
  d.path = src.file;
  d.label = root.at("label").str();
  d.workload_name = root.at("workload_name").str();
  d.status = root.at("status").str();
  static const char* kStatuses[] = {"found",  "below_first_step", "client_bound", "max_rate",
                                    "budget", "interrupted",      "not_run"};
  if (std::find_if(std::begin(kStatuses), std::end(kStatuses), [&](const char* k) { return d.status == k; }) ==
      std::end(kStatuses))
    root.at("status").fail("is '" + d.status + "', not a status this loadgen writes");
  d.verdict = root.at("verdict").str();
  if (const auto f = root.get("tool")) d.tool = f->raw();
  if (const auto f = root.get("started_at")) d.started_at = f->str();
  if (const auto f = root.get("url")) d.url = f->str();
  if (const auto f = root.get("workload")) {
    f->expect_object();
    d.workload = f->raw();
  }
  if (const auto f = root.get("settings")) {
    f->expect_object();
    d.settings = f->raw();
  }
  if (const auto f = root.get("environment")) {
    f->expect_object();
    d.environment = f->raw();
  }
  if (const auto f = root.get("command_line")) f->each([&](const Field& a) { d.command_line.push_back(a.str()); });
  if (const auto f = root.get("elapsed_s")) d.elapsed_s = f->num();
  if (const auto f = root.get("server")) d.server = f->raw();
  root.at("slo").each([&](const Field& s) { d.slo.push_back(s.str()); });
  root.at("steps").each([&](const Field& s) {
    CapacityStep st;
    st.rate = s.at("rate").num_in(0, 1e12);
    if (const auto p = s.get("phase")) st.phase = p->str();
    st.passed = s.at("passed").boolean();
    if (const auto f = s.get("client_bound")) st.client_bound = f->boolean();
    if (const auto f = s.get("limit")) st.limit = f->str();
    if (const auto f = s.get("failed")) f->each([&](const Field& x) { st.failed.push_back(x.str()); });
    if (!st.passed && st.failed.empty()) s.slot("failed").fail("must say why a step that did not pass failed");
    const Field w = s.at("window");
    w.expect_object();
    if (const auto f = w.get("requests")) st.requests = f->u64();
    if (const auto f = w.get("achieved_rps")) st.achieved_rps = f->num();
    if (const auto f = w.get("error_pct")) st.error_pct = f->num_in(0, 100);
    if (const auto f = w.get("late_growth_ms")) st.late_growth_ms = f->num();
    for (auto [key, out] : {std::pair{"p50_ms", &st.p50_ms},
                            {"p95_ms", &st.p95_ms},
                            {"p99_ms", &st.p99_ms},
                            {"mean_ms", &st.mean_ms},
                            {"service_mean_ms", &st.service_mean_ms},
                            {"server_us_per_request", &st.server_us_per_request},
                            {"server_cpus", &st.server_cpus},
                            {"server_throttled_s", &st.server_throttled_s}})
      if (w.raw().contains(key)) *out = w.at(key).opt_num();
    if (const auto f = s.get("settle_s")) st.settle_s = f->num();
    d.steps.push_back(std::move(st));
  });
  auto index = [&](const char* k) -> std::optional<std::size_t> {
    const auto f = root.get(k);
    if (!f) return std::nullopt;
    const std::uint64_t i = f->u64();
    if (i >= d.steps.size()) f->fail("must index a step (there are " + std::to_string(d.steps.size()) + ")");
    return static_cast<std::size_t>(i);
  };
  d.knee = index("knee_step");
  d.first_fail = index("first_fail_step");
  if (d.knee && !d.steps[*d.knee].passed) root.at("knee_step").fail("must index a step that passed");
  if (d.first_fail && d.steps[*d.first_fail].passed) root.at("first_fail_step").fail("must index a step that failed");
  if (d.status == "below_first_step" && !d.first_fail)
    root.slot("first_fail_step").fail("is required when the status is below_first_step");
  if (d.status == "found" && (!d.knee || !d.first_fail))
    root.slot(d.knee ? "first_fail_step" : "knee_step").fail("is required when the status is found");
  root.at("sweep").each([&](const Field& p) {
    d.sweep.push_back({p.at("connections").num_in(1, 1e7), p.at("rps").num_in(0, 1e12)});
  });
  if (const auto u = root.get("usl")) {
    UslFit f;
    f.lambda = u->at("lambda").num();
    f.sigma = u->at("sigma").num_in(0, 1);
    f.kappa = u->at("kappa").num_in(0, 1e6);
    f.r2 = u->at("r2").num();
    if (u->raw().contains("n_star")) f.n_star = u->at("n_star").opt_num();
    f.x_max = u->has("x_max") ? u->at("x_max").num() : std::numeric_limits<double>::infinity();
    d.usl = f;
  }
  if (const auto u = root.get("users")) {
    UsersEstimate e;
    e.think_mean_s = u->at("think_mean_s").num();
    e.response_s = u->at("response_s").num();
    e.users = u->at("users").num_in(0, 1e12);
    e.confirmed_run = u->at("confirmed_run").boolean();
    e.users_run = u->at("users_run").i32();
    e.limited_by = u->at("limited_by").str();
    e.offered_rps = u->at("offered_rps").num();
    e.achieved_fidelity = u->at("fidelity").num();
    e.p99_ms = u->at("p99_ms").opt_num();
    e.passed = u->at("passed").boolean();
    e.verdict = u->at("verdict").str();
    d.users = e;
  }
  return d;
}

std::optional<ServiceDemand> service_demand(const CapacityDoc& d) {
  std::vector<const CapacityStep*> passed;
  for (const auto& st : d.steps)
    if (st.passed && st.server_us_per_request && *st.server_us_per_request > 0) passed.push_back(&st);
  if (passed.empty()) return std::nullopt;
  std::sort(passed.begin(), passed.end(), [](const auto* a, const auto* b) { return a->rate > b->rate; });
  ServiceDemand sd;
  const std::size_t n = std::min<std::size_t>(2, passed.size());
  for (std::size_t i = 0; i < n; ++i) {
    const double us = *passed[i]->server_us_per_request;
    sd.us_per_request += us / static_cast<double>(n);
    sd.lo_us = i ? std::min(sd.lo_us, us) : us;
    sd.hi_us = i ? std::max(sd.hi_us, us) : us;
    sd.from_rates.push_back(passed[i]->rate);
  }
  sd.lowest_rate = passed.back()->rate;
  sd.lowest_us = *passed.back()->server_us_per_request;
  sd.trend = sd.lowest_us > 0 ? *passed.front()->server_us_per_request / sd.lowest_us : 1;
  return sd;
}

}  // namespace lab
