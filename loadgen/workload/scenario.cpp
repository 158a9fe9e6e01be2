#include "loadgen/workload/scenario.h"

#include <algorithm>
#include <random>
#include <filesystem>
#include <map>

#include <nlohmann/json.hpp>

#include "common/duration.h"
#include "common/json_reader.h"
#include "loadgen/workload/redact.h"
#include "common/output_file.h"
#include "loadgen/workload/url.h"

namespace lab {

namespace {

using json = nlohmann::json;

// The longest think time a scenario may ask for (a day): longer is a mistake, and a clock
// duration of it must not overflow.
constexpr double kMaxThinkS = 86400;

// "1s", "250ms-2s", or a number of seconds.
ThinkRange parse_think(const Field& f) {
  const json& v = f.raw();
  if (v.is_number()) {
    const double s = f.num_in(0, kMaxThinkS);
    return ThinkRange{s, s, std::nullopt};
  }
  if (!v.is_string()) f.fail("must be a duration (\"2s\"), a range (\"1s-5s\") or seconds (2)");
  const std::string text = v.get<std::string>();
  if (text.find(':') != std::string::npos) {  // a wait shape: "constant:2s", "pacing:5s", ...
    std::string why;
    const auto shape = parse_wait(text, why);
    if (!shape) f.fail(why);
    const double gap = shape->mean_gap_s();
    return ThinkRange{gap, gap, shape};
  }
  const auto dash = text.find('-');
  const auto lo = parse_duration(text.substr(0, dash));
  const auto hi = dash == std::string::npos ? lo : parse_duration(text.substr(dash + 1));
  if (!lo || !hi) f.fail("'" + text + "' is not a duration (\"2s\") or a range (\"1s-5s\")");
  ThinkRange r{std::chrono::duration<double>(*lo).count(), std::chrono::duration<double>(*hi).count(), std::nullopt};
  if (r.min_s > r.max_s) f.fail("'" + text + "' runs backwards (write the shorter time first)");
  if (r.max_s > kMaxThinkS) f.fail("'" + text + "' is longer than a day");
  return r;
}

std::string think_text(const ThinkRange& t) {
  if (t.shape) return wait_text(*t.shape);
  auto d = [](double s) {
    return format_duration(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(s)));
  };
  return t.min_s == t.max_s ? d(t.min_s) : d(t.min_s) + "-" + d(t.max_s);
}

ScenarioRequest parse_request(const Field& r, const std::string& dir) {
  ScenarioRequest out;
  if (!r.raw().is_object()) r.fail("must be an object with at least a \"path\"");
  r.only_keys({"name", "method", "path", "headers", "body", "body_file", "weight", "think", "check", "extract"});
  if (!r.raw().contains("path") || !r.raw()["path"].is_string())
    r.slot("path").fail("is required: a string like \"/\"");
  const std::string path = r.at("path").str();
  if (path.empty() || path[0] != '/') r.at("path").fail("must start with / (it is relative to --host)");
  out.target = encode_target(path.substr(0, path.find('#')));
  out.name = path;
  if (const auto name = r.get("name")) {
    if (!name->raw().is_string() || name->raw().get<std::string>().empty()) name->fail("must be a non-empty string");
    out.name = name->str();
  }
  if (const auto m = r.get("method")) {
    if (!m->raw().is_string() || !valid_method(m->raw().get<std::string>()))
      m->fail("must be a method such as \"GET\" or \"POST\"");
    out.spec.method = m->str();
  }
  if (const auto h = r.get("headers")) {
    if (!h->raw().is_object()) h->fail("must be an object: {\"Accept\": \"application/json\"}");
    h->members([&](const std::string& k, const Field& v) {
      std::string err;
      auto kv = parse_header(k + ": " + v.str(), err);
      if (!kv) v.fail(err);
      out.spec.headers.push_back(std::move(*kv));
    });
  }
  if (r.has("body") && r.has("body_file")) r.at("body_file").fail("and \"body\" exclude each other");
  if (const auto b = r.get("body")) {
    if (b->raw().is_string())
      out.spec.body = b->str();
    else if (b->raw().is_object() || b->raw().is_array())
      out.spec.body = b->raw().dump();  // a JSON body written inline
    else
      b->fail("must be a string, or a JSON object or array to send as JSON");
  }
  if (const auto bf = r.get("body_file")) {
    std::filesystem::path f = bf->str();
    if (f.is_relative()) f = std::filesystem::path(dir) / f;
    std::string err;
    auto body = read_body("@" + f.string(), err);
    if (!body) bf->fail(err);
    out.spec.body = std::move(*body);
  }
  if (const auto w = r.get("weight")) {
    if (!w->raw().is_number() || !(w->raw().get<double>() >= 0) || w->raw().get<double>() > 1e9)
      w->fail("must be a number >= 0 (how often it is picked, as Locust's @task(N))");
    out.weight = w->num();
  }
  if (const auto t = r.get("think")) out.think = parse_think(*t);
  if (const auto c = r.get("check")) out.checks = parse_checks(*c);
  if (const auto e = r.get("extract")) out.extracts = parse_extracts(*e);
  return out;
}

void parse_document(const Field& root, const std::string& dir, Scenario& s) {
  if (!root.raw().is_object()) root.fail("must be an object with \"requests\"");
  root.only_keys({"name", "order", "start", "requests", "think"});
  if (const auto n = root.get("name")) s.name = n->str();
  const json& j = root.raw();
  if (!j.contains("requests") || !j["requests"].is_array() || j["requests"].empty())
    root.slot("requests").fail("is required: a list of requests, each with at least a \"path\"");
  if (j["requests"].size() > 1000) root.at("requests").fail("has more than 1000 requests");
  std::map<std::string, int> names;
  int i = 0;
  root.at("requests").each([&](const Field& f) {
    ScenarioRequest r = parse_request(f, dir);
    if (auto [it, fresh] = names.emplace(r.name, i); !fresh)
      (f.raw().contains("name") ? f.at("name") : f.at("path"))
          .fail("names '" + r.name + "' again (requests[" + std::to_string(it->second) +
                "] has it): give each request a unique \"name\"");
    s.requests.push_back(std::move(r));
    ++i;
  });
  if (const auto o = root.get("order")) {
    if (o->raw() == "weighted")
      s.order = ScenarioOrder::kWeighted;
    else if (o->raw() == "sequence")
      s.order = ScenarioOrder::kSequence;
    else
      o->fail("must be \"weighted\" (picked by weight) or \"sequence\" (in file order)");
  }
  if (const auto st = root.get("start")) {
    if (!st->raw().is_array()) st->fail("must be a list of request names, run once per user first");
    st->each([&](const Field& x) {
      if (!x.raw().is_string()) x.fail("must be a request's name");
      auto it = names.find(x.str());
      if (it == names.end()) x.fail("'" + x.str() + "' is not a request's name");
      s.start.push_back(it->second);
    });
  }
  if (const auto t = root.get("think")) s.think = parse_think(*t);
  if (s.order == ScenarioOrder::kWeighted) {
    double total = 0;
    for (const auto& r : s.requests) total += r.weight;
    if (!(total > 0)) root.at("requests").fail("every weight is 0: nothing to pick after the start sequence");
  }
}

}  // namespace

bool Scenario::per_request_think() const {
  return std::any_of(requests.begin(), requests.end(), [](const ScenarioRequest& r) { return r.think.has_value(); });
}

std::vector<std::string> Scenario::variables() const {
  std::vector<std::string> out;
  for (const auto& r : requests)
    for (const auto& e : r.extracts)
      if (std::find(out.begin(), out.end(), e.variable) == out.end()) out.push_back(e.variable);
  return out;
}

std::vector<double> Scenario::cumulative_weights() const {
  std::vector<double> c;
  double sum = 0;
  for (const auto& r : requests) c.push_back(sum += r.weight);
  return c;
}

json Scenario::to_json() const {
  json reqs = json::array();
  for (const auto& r : requests) {
    json o = {{"name", r.name}, {"method", r.spec.method}, {"path", r.target}, {"weight", r.weight}};
    if (!r.spec.headers.empty()) {
      json h = json::array();
      for (const auto& [k, v] : r.spec.headers) h.push_back(redact_header(k + ": " + v));
      o["headers"] = h;
    }
    if (!r.spec.body.empty()) o["body_bytes"] = r.spec.body.size();
    if (r.think) o["think"] = think_text(*r.think);
    if (!r.checks.empty()) {  // the checks by name (their texts may hold what the body must say)
      json c = json::array();
      for (const auto& k : r.checks) c.push_back(k.name);
      o["checks"] = c;
    }
    if (!r.extracts.empty()) {
      json e = json::array();
      for (const auto& x : r.extracts) e.push_back(x.variable);
      o["extracts"] = e;
    }
    reqs.push_back(o);
  }
  json j = {{"file", std::filesystem::path(file).filename().string()},
            {"order", order == ScenarioOrder::kSequence ? "sequence" : "weighted"},
            {"requests", reqs}};
  if (!name.empty()) j["name"] = name;
  if (!start.empty()) {
    json st = json::array();
    for (int i : start) st.push_back(requests[static_cast<std::size_t>(i)].name);
    j["start"] = st;
  }
  if (think) j["think"] = think_text(*think);
  return j;
}

std::optional<Scenario> parse_scenario(const std::string& text, const std::string& file, std::string& error) {
  const JsonSource src{file, text};
  Scenario s;
  s.file = file;
  const std::string dir = std::filesystem::path(file).parent_path().string();
  try {
    const json j = parse_json_source(src);
    parse_document(Field(j, src), dir.empty() ? "." : dir, s);
  } catch (const JsonFieldError& e) {
    error = e.what();
    return std::nullopt;
  }
  s.cumulative = s.cumulative_weights();
  return s;
}

std::optional<Scenario> load_scenario(const std::string& file, std::string& error) {
  std::string text, why;
  if (!read_file(file, text, why)) {
    error = "cannot read '" + file + "': " + why;
    return std::nullopt;
  }
  return parse_scenario(text, file, error);
}

RequestPicker::RequestPicker(const Scenario& s) : s_(&s) {}

int RequestPicker::next(Rng& rng) {
  const std::uint64_t step = step_++;
  if (step < s_->start.size()) return s_->start[step];
  const std::size_t n = s_->requests.size();
  if (n == 1) return 0;
  if (s_->order == ScenarioOrder::kSequence) return static_cast<int>((step - s_->start.size()) % n);
  const std::vector<double>& c = s_->cumulative;
  if (c.size() != n) return 0;  // not from parse_scenario: one request
  const double x = std::uniform_real_distribution<double>(0, c.back())(rng);
  const auto it = std::upper_bound(c.begin(), c.end(), x);
  return static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(it - c.begin()), n - 1));
}

}  // namespace lab
