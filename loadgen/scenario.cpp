#include "loadgen/scenario.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/duration.h"
#include "common/output_file.h"
#include "loadgen/url.h"

namespace lab {

namespace {

using json = nlohmann::json;

// The line of every value of a (valid) JSON text by its JSON pointer ("/requests/2/weight"), so
// that a complaint about a field names the line it is on. Only built when there is a complaint.
class LineMap {
 public:
  explicit LineMap(const std::string& t) : t_(t) { value(""); }
  // The line of `ptr`, or of the nearest enclosing value present.
  int line(std::string ptr) const {
    for (;;) {
      if (auto it = lines_.find(ptr); it != lines_.end()) return it->second;
      if (ptr.empty()) return 1;
      ptr.erase(ptr.rfind('/'));
    }
  }

 private:
  void ws() {
    while (i_ < t_.size() && std::isspace(static_cast<unsigned char>(t_[i_]))) {
      if (t_[i_] == '\n') ++line_;
      ++i_;
    }
  }
  std::string str() {
    std::string out;
    for (++i_; i_ < t_.size() && t_[i_] != '"'; ++i_) {
      if (t_[i_] == '\\') ++i_;
      if (i_ < t_.size()) out += t_[i_];
    }
    ++i_;
    return out;
  }
  void value(const std::string& ptr) {
    ws();
    if (i_ >= t_.size()) return;
    lines_[ptr] = line_;
    const char c = t_[i_];
    if (c == '{' || c == '[') {
      ++i_;
      for (int index = 0;; ++index) {
        ws();
        if (i_ >= t_.size()) return;
        if (t_[i_] == '}' || t_[i_] == ']') {
          ++i_;
          return;
        }
        if (t_[i_] == ',') {
          ++i_;
          ws();
        }
        std::string key = std::to_string(index);
        if (c == '{') {
          key = str();
          ws();
          ++i_;  // ':'
        }
        value(ptr + "/" + key);
      }
    }
    if (c == '"') {
      str();
      return;
    }
    while (i_ < t_.size() && std::string_view(",]} \t\r\n").find(t_[i_]) == std::string_view::npos) ++i_;
  }

  const std::string& t_;
  std::size_t i_ = 0;
  int line_ = 1;
  std::map<std::string, int> lines_;
};

// A complaint about the field at `ptr` (a JSON pointer), shown as FILE:LINE: field: what.
struct Complaint {
  std::string ptr, what;
};

std::string field_name(const std::string& ptr) {
  std::string out;
  std::istringstream parts(ptr);
  std::string part;
  std::getline(parts, part, '/');  // the empty root
  while (std::getline(parts, part, '/')) {
    if (!part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; }))
      out += "[" + part + "]";
    else
      out += (out.empty() ? "" : ".") + part;
  }
  return out.empty() ? "(the document)" : out;
}

// "1s", "250ms-2s", or a number of seconds.
std::optional<ThinkRange> parse_think(const json& v, std::string& why) {
  if (v.is_number()) {
    const double s = v.get<double>();
    if (!(s >= 0)) {
      why = "must be >= 0 seconds";
      return std::nullopt;
    }
    return ThinkRange{s, s};
  }
  if (!v.is_string()) {
    why = "must be a duration (\"2s\"), a range (\"1s-5s\") or seconds (2)";
    return std::nullopt;
  }
  const std::string text = v.get<std::string>();
  const auto dash = text.find('-');
  const auto lo = parse_duration(text.substr(0, dash));
  const auto hi = dash == std::string::npos ? lo : parse_duration(text.substr(dash + 1));
  if (!lo || !hi) {
    why = "'" + text + "' is not a duration (\"2s\") or a range (\"1s-5s\")";
    return std::nullopt;
  }
  ThinkRange r{std::chrono::duration<double>(*lo).count(), std::chrono::duration<double>(*hi).count()};
  if (r.min_s > r.max_s) {
    why = "'" + text + "' runs backwards (write the shorter time first)";
    return std::nullopt;
  }
  return r;
}

std::string think_text(const ThinkRange& t) {
  auto d = [](double s) {
    return format_duration(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(s)));
  };
  return t.min_s == t.max_s ? d(t.min_s) : d(t.min_s) + "-" + d(t.max_s);
}

std::optional<Complaint> check_keys(const json& obj, const std::string& ptr, std::set<std::string> allowed) {
  for (const auto& [k, v] : obj.items()) {
    if (allowed.count(k)) continue;
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    return Complaint{ptr + "/" + k, "is not a field here (known: " + list + ")"};
  }
  return std::nullopt;
}

std::optional<Complaint> parse_request(const json& r, const std::string& ptr, const std::string& dir,
                                       ScenarioRequest& out) {
  if (!r.is_object()) return Complaint{ptr, "must be an object with at least a \"path\""};
  if (auto c = check_keys(r, ptr, {"name", "method", "path", "headers", "body", "body_file", "weight", "think"}))
    return c;
  if (!r.contains("path") || !r["path"].is_string())
    return Complaint{ptr + "/path", "is required: a string like \"/\""};
  const std::string path = r["path"].get<std::string>();
  if (path.empty() || path[0] != '/') return Complaint{ptr + "/path", "must start with / (it is relative to --host)"};
  out.target = encode_target(path.substr(0, path.find('#')));
  out.name = path;
  if (r.contains("name")) {
    if (!r["name"].is_string() || r["name"].get<std::string>().empty())
      return Complaint{ptr + "/name", "must be a non-empty string"};
    out.name = r["name"].get<std::string>();
  }
  if (r.contains("method")) {
    if (!r["method"].is_string() || !valid_method(r["method"].get<std::string>()))
      return Complaint{ptr + "/method", "must be a method such as \"GET\" or \"POST\""};
    out.spec.method = r["method"].get<std::string>();
  }
  if (r.contains("headers")) {
    const json& h = r["headers"];
    if (!h.is_object()) return Complaint{ptr + "/headers", "must be an object: {\"Accept\": \"application/json\"}"};
    for (const auto& [k, v] : h.items()) {
      if (!v.is_string()) return Complaint{ptr + "/headers/" + k, "must be a string"};
      std::string err;
      auto kv = parse_header(k + ": " + v.get<std::string>(), err);
      if (!kv) return Complaint{ptr + "/headers/" + k, err};
      out.spec.headers.push_back(std::move(*kv));
    }
  }
  if (r.contains("body") && r.contains("body_file"))
    return Complaint{ptr + "/body_file", "and \"body\" exclude each other"};
  if (r.contains("body")) {
    const json& b = r["body"];
    if (b.is_string())
      out.spec.body = b.get<std::string>();
    else if (b.is_object() || b.is_array())
      out.spec.body = b.dump();  // a JSON body written inline
    else
      return Complaint{ptr + "/body", "must be a string, or a JSON object or array to send as JSON"};
  }
  if (r.contains("body_file")) {
    if (!r["body_file"].is_string()) return Complaint{ptr + "/body_file", "must be a file name"};
    std::filesystem::path f = r["body_file"].get<std::string>();
    if (f.is_relative()) f = std::filesystem::path(dir) / f;
    std::string err;
    auto body = read_body("@" + f.string(), err);
    if (!body) return Complaint{ptr + "/body_file", err};
    out.spec.body = std::move(*body);
  }
  if (r.contains("weight")) {
    const json& w = r["weight"];
    if (!w.is_number() || !(w.get<double>() >= 0) || w.get<double>() > 1e9)
      return Complaint{ptr + "/weight", "must be a number >= 0 (how often it is picked, as Locust's @task(N))"};
    out.weight = w.get<double>();
  }
  if (r.contains("think")) {
    std::string why;
    out.think = parse_think(r["think"], why);
    if (!out.think) return Complaint{ptr + "/think", why};
  }
  return std::nullopt;
}

std::optional<Complaint> parse_document(const json& j, const std::string& dir, Scenario& s) {
  if (!j.is_object()) return Complaint{"", "must be an object with \"requests\""};
  if (auto c = check_keys(j, "", {"name", "order", "start", "requests", "think"})) return c;
  if (j.contains("name")) {
    if (!j["name"].is_string()) return Complaint{"/name", "must be a string"};
    s.name = j["name"].get<std::string>();
  }
  if (!j.contains("requests") || !j["requests"].is_array() || j["requests"].empty())
    return Complaint{"/requests", "is required: a list of requests, each with at least a \"path\""};
  if (j["requests"].size() > 1000) return Complaint{"/requests", "has more than 1000 requests"};
  std::map<std::string, int> names;
  for (std::size_t i = 0; i < j["requests"].size(); ++i) {
    const std::string ptr = "/requests/" + std::to_string(i);
    ScenarioRequest r;
    if (auto c = parse_request(j["requests"][i], ptr, dir, r)) return c;
    if (auto [it, fresh] = names.emplace(r.name, static_cast<int>(i)); !fresh)
      return Complaint{ptr + (j["requests"][i].contains("name") ? "/name" : "/path"),
                       "names '" + r.name + "' again (requests[" + std::to_string(it->second) +
                           "] has it): give each request a unique \"name\""};
    s.requests.push_back(std::move(r));
  }
  if (j.contains("order")) {
    const json& o = j["order"];
    if (o == "weighted")
      s.order = ScenarioOrder::kWeighted;
    else if (o == "sequence")
      s.order = ScenarioOrder::kSequence;
    else
      return Complaint{"/order", "must be \"weighted\" (picked by weight) or \"sequence\" (in file order)"};
  }
  if (j.contains("start")) {
    const json& st = j["start"];
    if (!st.is_array()) return Complaint{"/start", "must be a list of request names, run once per user first"};
    for (std::size_t i = 0; i < st.size(); ++i) {
      const std::string ptr = "/start/" + std::to_string(i);
      if (!st[i].is_string()) return Complaint{ptr, "must be a request's name"};
      auto it = names.find(st[i].get<std::string>());
      if (it == names.end()) return Complaint{ptr, "'" + st[i].get<std::string>() + "' is not a request's name"};
      s.start.push_back(it->second);
    }
  }
  if (j.contains("think")) {
    std::string why;
    s.think = parse_think(j["think"], why);
    if (!s.think) return Complaint{"/think", why};
  }
  if (s.order == ScenarioOrder::kWeighted) {
    double total = 0;
    for (const auto& r : s.requests) total += r.weight;
    if (!(total > 0)) return Complaint{"/requests", "every weight is 0: nothing to pick after the start sequence"};
  }
  return std::nullopt;
}

int line_at(const std::string& text, std::size_t byte) {
  byte = std::min(byte, text.size());
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(byte), '\n'));
}

}  // namespace

bool Scenario::per_request_think() const {
  return std::any_of(requests.begin(), requests.end(), [](const ScenarioRequest& r) { return r.think.has_value(); });
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
      for (const auto& [k, v] : r.spec.headers) h.push_back(k + ": " + v);
      o["headers"] = h;
    }
    if (!r.spec.body.empty()) o["body_bytes"] = r.spec.body.size();
    if (r.think) o["think"] = think_text(*r.think);
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
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    std::string what = e.what();
    if (auto p = what.find("syntax error"); p != std::string::npos) what = what.substr(p);
    error = file + ":" + std::to_string(line_at(text, e.byte ? e.byte - 1 : 0)) + ": not valid JSON: " + what;
    return std::nullopt;
  }
  Scenario s;
  s.file = file;
  const std::string dir = std::filesystem::path(file).parent_path().string();
  if (auto c = parse_document(j, dir.empty() ? "." : dir, s)) {
    error = file + ":" + std::to_string(LineMap(text).line(c->ptr)) + ": " + field_name(c->ptr) + ": " + c->what;
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

int RequestPicker::next(std::mt19937_64& rng) {
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
