#include "loadgen/workload/har.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <memory>
#include <set>

#include "common/text.h"
#include "loadgen/flow/check.h"
#include "loadgen/workload/request_spec.h"
#include "loadgen/workload/url.h"

namespace lab {

namespace {

using json = nlohmann::json;

// "2026-12-08T01:02:03.456Z" or "...+01:00": milliseconds since the epoch; nullopt if not that form.
std::optional<double> iso_ms(const std::string& s) {
  int y, mo, d, h, mi;
  double sec;
  int used = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%lf%n", &y, &mo, &d, &h, &mi, &sec, &used) != 6) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  double ms = static_cast<double>(::timegm(&tm)) * 1000 + sec * 1000;
  const std::string zone = s.substr(static_cast<std::size_t>(used));
  int zh = 0, zm = 0;
  if (!zone.empty() && (zone[0] == '+' || zone[0] == '-') && std::sscanf(zone.c_str() + 1, "%2d:%2d", &zh, &zm) == 2)
    ms -= (zone[0] == '+' ? 1 : -1) * (zh * 60 + zm) * 60000.0;
  return ms;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool dropped_header(const std::string& name) {
  static const std::set<std::string> kDrop = {"cookie",
                                              "host",
                                              "content-length",
                                              "connection",
                                              "accept-encoding",
                                              "user-agent",
                                              "referer",
                                              "origin",
                                              "cache-control",
                                              "pragma",
                                              "priority",
                                              "if-none-match",
                                              "if-modified-since",
                                              "te",
                                              "upgrade-insecure-requests",
                                              "keep-alive",
                                              "transfer-encoding",
                                              "dnt"};
  const std::string n = lower(name);
  return n.empty() || n[0] == ':' || n.rfind("sec-", 0) == 0 || kDrop.count(n) > 0;
}

bool uninteresting_response_header(const std::string& name) {
  static const std::set<std::string> kSkip = {
      "set-cookie",    "date", "server",     "etag",       "last-modified",     "expires",
      "cache-control", "vary", "connection", "keep-alive", "transfer-encoding", "strict-transport-security",
      "x-powered-by",  "via",  "age",        "location"};
  const std::string n = lower(name);
  return kSkip.count(n) > 0 || n.rfind("content-", 0) == 0 || n.rfind("access-control-", 0) == 0;
}

bool is_static(const std::string& path, const std::string& mime) {
  static const std::set<std::string> kExt = {".css", ".js",  ".mjs", ".png",  ".jpg",   ".jpeg",
                                             ".gif", ".svg", ".ico", ".woff", ".woff2", ".ttf",
                                             ".otf", ".eot", ".map", ".webp", ".avif"};
  const std::string p = lower(path.substr(0, path.find('?')));
  const std::size_t dot = p.rfind('.');
  if (dot != std::string::npos && p.find('/', dot) == std::string::npos && kExt.count(p.substr(dot))) return true;
  const std::string m = lower(mime);
  return m.rfind("image/", 0) == 0 || m.rfind("font/", 0) == 0 || m.rfind("text/css", 0) == 0 ||
         m.find("javascript") != std::string::npos;
}

bool all_of(const std::string& s, int (*pred)(int)) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [&](char c) { return pred(static_cast<unsigned char>(c)) != 0; });
}

bool looks_like_id(const std::string& seg) {
  if (all_of(seg, ::isdigit)) return true;
  if (seg.size() >= 16 && all_of(seg, ::isxdigit)) return true;
  if (seg.size() == 36 && seg[8] == '-' && seg[13] == '-' && seg[18] == '-' && seg[23] == '-') return true;
  return false;
}

// The path (no query) with its ids as :id: "/orders/1042" -> "/orders/:id".
std::string name_of(const std::string& target) {
  const std::string path = target.substr(0, target.find('?'));
  std::string out;
  std::size_t i = 0;
  while (i < path.size()) {
    const std::size_t next = path.find('/', i + 1);
    const std::string seg = path.substr(i + 1, next == std::string::npos ? std::string::npos : next - i - 1);
    out += "/" + (looks_like_id(seg) ? std::string(":id") : seg);
    i = next == std::string::npos ? path.size() : next;
  }
  return out.empty() ? "/" : out;
}

std::string var_name(std::string s) {
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return s.empty() ? "value" : lower(s);
}

struct HarEntry {
  std::string method, url, target, host, name, body, mime;
  std::vector<std::pair<std::string, std::string>> headers;
  double start_ms = 0, time_ms = 0;
  int status = 0;      // as recorded (0: none)
  json response_json;  // null when the body is not JSON
  std::vector<std::pair<std::string, std::string>> response_headers;
};

// The value occurs in `text` on its own: a number not inside a longer number.
bool occurs(const std::string& text, const std::string& value, bool number) {
  for (std::size_t at = text.find(value); at != std::string::npos; at = text.find(value, at + 1)) {
    if (!number) return true;
    const bool left = at == 0 || !std::isdigit(static_cast<unsigned char>(text[at - 1]));
    const std::size_t end = at + value.size();
    const bool right = end >= text.size() || !std::isdigit(static_cast<unsigned char>(text[end]));
    if (left && right) return true;
  }
  return false;
}

std::string replaced(const std::string& text, const std::string& value, const std::string& with, bool number) {
  std::string out;
  std::size_t from = 0;
  for (std::size_t at = text.find(value); at != std::string::npos; at = text.find(value, at + 1)) {
    const std::size_t end = at + value.size();
    if (number && ((at > 0 && std::isdigit(static_cast<unsigned char>(text[at - 1]))) ||
                   (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end])))))
      continue;
    out.append(text, from, at - from);
    out += with;
    from = end;
    at = end - 1;
  }
  out.append(text, from, std::string::npos);
  return out;
}

// The values a response gives that a later request might send: long strings and numbers of
// three digits or more in its JSON body, and long header values.
struct Given {
  std::string value, pointer, header, key;
  bool number = false;
};
// A key as a JSON Pointer's reference token (RFC 6901: ~ as ~0, / as ~1).
std::string pointer_token(const std::string& key) {
  std::string out;
  for (char c : key) out += c == '~' ? std::string("~0") : c == '/' ? std::string("~1") : std::string(1, c);
  return out;
}

void leaves(const json& j, const std::string& ptr, const std::string& key, std::vector<Given>& out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) leaves(v, ptr + "/" + pointer_token(k), k, out);
  } else if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i) leaves(j[i], ptr + "/" + std::to_string(i), key, out);
  } else if (j.is_string() && j.get<std::string>().size() >= 6 && j.get<std::string>().find(' ') == std::string::npos) {
    out.push_back({j.get<std::string>(), ptr, "", key, false});
  } else if (j.is_number_integer() && (j.get<long long>() >= 100 || j.get<long long>() <= -100)) {
    out.push_back({j.dump(), ptr, "", key, true});
  }
}

// Why an entry is left out, counted.
struct LeftOut {
  std::size_t static_assets = 0, other_hosts = 0, excluded = 0, not_http = 0;
};

// Entry `e` as a request, or nullopt when it is left out (counted in `left`).
std::optional<HarEntry> read_entry(const json& e, const HarOptions& o,
                                   const std::vector<std::shared_ptr<const Pattern>>& exclude,
                                   std::vector<std::string>& hosts, LeftOut& left) {
  const json& rq = e["request"];
  HarEntry x;
  x.url = rq["url"].get<std::string>();
  x.method = rq.value("method", std::string("GET"));
  std::string why;
  const auto url = parse_url(x.url.substr(0, x.url.find('#')), why);
  if (!url || !valid_method(x.method)) {  // data:, blob:, ws: and the like
    ++left.not_http;
    return std::nullopt;
  }
  x.host = url->host;
  x.target = url->target;
  if (hosts.empty()) hosts.push_back(x.host);
  if (std::find(hosts.begin(), hosts.end(), x.host) == hosts.end()) {
    ++left.other_hosts;
    return std::nullopt;
  }
  const json empty = json::object();
  const json& resp = e.contains("response") && e["response"].is_object() ? e["response"] : empty;
  const json content = resp.contains("content") && resp["content"].is_object() ? resp["content"] : empty;
  x.mime = content.value("mimeType", std::string());
  if (resp.contains("status") && resp["status"].is_number_integer()) x.status = resp["status"].get<int>();
  if (!o.keep_static && is_static(x.target, x.mime)) {
    ++left.static_assets;
    return std::nullopt;
  }
  std::string ignored;
  if (std::any_of(exclude.begin(), exclude.end(),
                  [&](const auto& p) { return p->search(x.url, 0, ignored, ignored); })) {
    ++left.excluded;
    return std::nullopt;
  }
  if (rq.contains("headers") && rq["headers"].is_array())
    for (const auto& h : rq["headers"]) {
      const std::string name = h.value("name", std::string()), value = h.value("value", std::string());
      std::string herr;
      if (dropped_header(name) || !parse_header(name + ": " + value, herr)) continue;
      x.headers.emplace_back(name, value);
    }
  if (rq.contains("postData") && rq["postData"].is_object()) x.body = rq["postData"].value("text", std::string());
  x.start_ms = e.contains("startedDateTime") && e["startedDateTime"].is_string()
                   ? iso_ms(e["startedDateTime"].get<std::string>()).value_or(0)
                   : 0;
  x.time_ms = e.contains("time") && e["time"].is_number() ? std::max(0.0, e["time"].get<double>()) : 0;
  if (content.value("encoding", std::string()) != "base64" && content.contains("text") && content["text"].is_string())
    x.response_json = json::parse(content["text"].get<std::string>(), nullptr, false);
  if (x.response_json.is_discarded()) x.response_json = nullptr;
  if (resp.contains("headers") && resp["headers"].is_array())
    for (const auto& h : resp["headers"])
      x.response_headers.emplace_back(h.value("name", std::string()), h.value("value", std::string()));
  return x;
}

// Names: the path with ids collapsed; the method before it, then a number, where two collide.
void name_entries(std::vector<HarEntry>& kept) {
  std::set<std::string> taken;
  for (auto& x : kept) {
    std::string n = name_of(x.target);
    if (taken.count(n)) n = x.method + " " + n;
    for (int k = 2; taken.count(n); ++k) n = name_of(x.target) + " #" + std::to_string(k);
    taken.insert(n);
    x.name = n;
  }
}

// Correlation: a value a response gave that a later request sends (and no request sent before);
// with --correlate the later requests send it as {{variable}}.
void correlate(std::vector<HarEntry>& kept, const HarOptions& o, std::vector<HarCandidate>& candidates) {
  std::set<std::string> vars_taken, values_seen;
  for (std::size_t i = 0; i < kept.size(); ++i) {
    std::vector<Given> given;
    if (!kept[i].response_json.is_null()) leaves(kept[i].response_json, "", "", given);
    for (const auto& [name, value] : kept[i].response_headers)
      if (!uninteresting_response_header(name) && value.size() >= 8) given.push_back({value, "", name, name, false});
    for (const auto& g : given) {
      if (values_seen.count(g.value)) continue;
      bool sent_before = false;
      for (std::size_t k = 0; k <= i && !sent_before; ++k) {
        sent_before = occurs(kept[k].target, g.value, g.number) || occurs(kept[k].body, g.value, g.number);
        for (const auto& h : kept[k].headers) sent_before = sent_before || occurs(h.second, g.value, g.number);
      }
      if (sent_before) continue;
      HarCandidate c;
      for (std::size_t j = i + 1; j < kept.size(); ++j) {
        if (occurs(kept[j].target, g.value, g.number)) c.used_by.push_back(kept[j].name + " path");
        for (const auto& h : kept[j].headers)
          if (occurs(h.second, g.value, g.number)) c.used_by.push_back(kept[j].name + " header " + h.first);
        if (occurs(kept[j].body, g.value, g.number)) c.used_by.push_back(kept[j].name + " body");
      }
      if (c.used_by.empty()) continue;
      values_seen.insert(g.value);
      std::string v = var_name(g.key);
      for (int k = 2; vars_taken.count(v); ++k) v = var_name(g.key) + "_" + std::to_string(k);
      vars_taken.insert(v);
      c.variable = v;
      c.from = kept[i].name;
      c.extract = g.header.empty() ? json{{"json", g.pointer}}.dump() : json{{"header", g.header}}.dump();
      candidates.push_back(c);
      if (!o.correlate) continue;
      for (std::size_t j = i + 1; j < kept.size(); ++j) {
        const std::string with = "{{" + v + "}}";
        kept[j].target = replaced(kept[j].target, g.value, with, g.number);
        kept[j].body = replaced(kept[j].body, g.value, with, g.number);
        for (auto& h : kept[j].headers) h.second = replaced(h.second, g.value, with, g.number);
      }
    }
  }
}

// The scenario: a request per entry, its think time the pause recorded before the next.
json scenario_of(const std::vector<HarEntry>& kept, const HarOptions& o, const std::vector<HarCandidate>& candidates) {
  json reqs = json::array();
  for (std::size_t i = 0; i < kept.size(); ++i) {
    const HarEntry& x = kept[i];
    json r = {{"name", x.name}, {"method", x.method}, {"path", x.target}};
    if (!x.headers.empty()) {
      json h = json::object();
      for (const auto& [k, v] : x.headers) h[k] = v;
      r["headers"] = h;
    }
    if (!x.body.empty()) r["body"] = x.body;
    if (x.status >= 100 && x.status <= 999) r["check"] = {{"status", json::array({x.status})}};  // as recorded
    // the pause before the next entry, as recorded (the last: none)
    double gap = 0;
    if (i + 1 < kept.size() && kept[i + 1].start_ms > 0 && x.start_ms > 0)
      gap = std::max(0.0, kept[i + 1].start_ms - (x.start_ms + x.time_ms));
    r["think"] = std::to_string(static_cast<long long>(gap + 0.5)) + "ms";
    json extract = json::object();
    for (const auto& c : candidates)
      if (o.correlate && c.from == x.name) extract[c.variable] = json::parse(c.extract);
    if (!extract.empty()) r["extract"] = extract;
    reqs.push_back(r);
  }
  return {{"name", "recorded"}, {"order", "sequence"}, {"requests", reqs}};
}

}  // namespace

std::optional<HarScenario> har_to_scenario(const std::string& text, const HarOptions& o, std::string& error) {
  const json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) {
    error = "not JSON (a HAR file is JSON: devtools' Network tab, \"Save all as HAR\")";
    return std::nullopt;
  }
  if (!doc.is_object() || !doc.contains("log") || !doc["log"].is_object() || !doc["log"].contains("entries") ||
      !doc["log"]["entries"].is_array()) {
    error = "not a HAR document: it has no log.entries";
    return std::nullopt;
  }
  std::vector<std::shared_ptr<const Pattern>> exclude;
  for (const auto& e : o.exclude) {
    try {
      exclude.push_back(std::make_shared<const Pattern>(e));
    } catch (const std::invalid_argument& ex) {
      error = "--exclude '" + e + "' is not a regular expression: " + ex.what();
      return std::nullopt;
    }
  }
  HarScenario out;
  std::vector<HarEntry> kept;
  std::vector<std::string> hosts = o.include_hosts;
  LeftOut left;
  const json& entries = doc["log"]["entries"];
  out.entries = entries.size();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const json& e = entries[i];
    if (!e.is_object() || !e.contains("request") || !e["request"].is_object() || !e["request"].contains("url") ||
        !e["request"]["url"].is_string()) {
      error = "log.entries[" + std::to_string(i) + "]: has no request.url";
      return std::nullopt;
    }
    if (auto x = read_entry(e, o, exclude, hosts, left)) kept.push_back(std::move(*x));
  }
  auto said = [&](std::size_t n, const char* what) {
    if (n) out.left_out.push_back(std::to_string(n) + " " + what);
  };
  said(left.static_assets, "static assets (images, scripts, styles, fonts: --keep-static keeps them)");
  said(left.other_hosts, "on other hosts (--include-host H keeps a host)");
  said(left.excluded, "matched --exclude");
  said(left.not_http, "not http(s) requests");
  if (kept.empty()) {
    error = "no request left to replay (" + std::to_string(out.entries) + " entries in the recording" +
            (out.left_out.empty() ? std::string() : ": " + out.left_out.front()) + ")";
    return std::nullopt;
  }
  out.kept = kept.size();
  name_entries(kept);
  correlate(kept, o, out.candidates);
  out.scenario = scenario_of(kept, o, out.candidates);
  return out;
}

}  // namespace lab
