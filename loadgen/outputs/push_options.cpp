#include "loadgen/outputs/push_options.h"

#include <cstdlib>

#include "common/base64.h"
#include "common/duration.h"
#include "loadgen/workload/redact.h"
#include "loadgen/workload/url.h"

namespace lab {

namespace {

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::size_t from = 0;
  for (;;) {
    const auto comma = s.find(',', from);
    out.push_back(s.substr(from, comma == std::string::npos ? std::string::npos : comma - from));
    if (comma == std::string::npos) return out;
    from = comma + 1;
  }
}

bool label_name_ok(const std::string& n) {
  if (n.empty() || (n[0] >= '0' && n[0] <= '9') || n.rfind("__", 0) == 0) return false;
  for (char c : n)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

}  // namespace

std::string parse_push_options(const std::string& kind, const std::string& arg, PushOptions& o) {
  o.kind = kind;
  const auto parts = split_commas(arg);
  std::string err;
  const auto url = parse_url(parts[0], err);
  if (!url)
    return "'" + redact_url(parts[0]) + "' is not a URL: " + err + " (e.g. http://127.0.0.1:9090" +
           (kind == "prometheus" ? "/api/v1/write)" : ")");
  if (url->scheme != "http") return "only http:// receivers are supported (put a TLS proxy beside the receiver)";
  o.url = redact_url(parts[0]);
  o.host = url->host;
  o.port = std::to_string(url->port);
  o.target = url->target;
  if (kind == "prometheus" && (o.target.empty() || o.target == "/")) o.target = "/api/v1/write";
  if (kind == "influxdb" && (o.target.empty() || o.target == "/")) o.target = "";
  if (!url->userinfo.empty()) o.headers.emplace_back("Authorization", "Basic " + base64(url->userinfo));
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const std::string& p = parts[i];
    const auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0)
      return "'" + p + "' is not key=value (the keys: interval, timeout, testid, label.NAME, token" +
             std::string(kind == "prometheus" ? ", names" : ", db") + ")";
    const std::string key = p.substr(0, eq), value = p.substr(eq + 1);
    if (key == "interval" || key == "timeout") {
      const auto d = parse_duration(value);
      if (!d || d->count() < 100'000'000 || d->count() > 60'000'000'000LL)
        return key + "='" + value + "': give a duration from 100ms to 60s (e.g. " + key + "=5s)";
      (key == "interval" ? o.interval : o.timeout) = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
    } else if (key == "testid") {
      if (value.empty()) return "testid= is empty: give the run's name (e.g. testid=nightly-42)";
      o.testid = value;
    } else if (key.rfind("label.", 0) == 0) {
      const std::string name = key.substr(6);
      if (!label_name_ok(name))
        return "label." + name + ": a label's name is letters, digits and _ (not first a digit, not __...)";
      for (const char* own : {"testid", "shard", "step", "name", "method", "status", "kind", "le"})
        if (name == own)
          return "label." + name + ": '" + name +
                 "' is a label loadgen sets itself (docs/outputs.md); give another name";
      o.labels.emplace_back(name, value);
    } else if (key == "token") {
      o.headers.emplace_back("Authorization", (kind == "influxdb" ? "Token " : "Bearer ") + value);
    } else if (key == "names" && kind == "prometheus") {
      if (value != "lab" && value != "k6") return "names='" + value + "': use names=lab (the default) or names=k6";
      o.names = value;
    } else if (key == "db" && kind == "influxdb") {
      if (value.empty() ||
          value.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") !=
              std::string::npos)
        return "db='" + value + "': give a database name of letters, digits, _, - and . (e.g. db=loadgen)";
      o.db = value;
    } else if (key == "backlog") {
      char* end = nullptr;
      const long n = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end || n < 1 || n > 86400) return "backlog='" + value + "': give 1 to 86400 seconds";
      o.backlog = static_cast<std::size_t>(n);
    } else {
      return "'" + key + "' is not a key of " + kind +
             " (the keys: interval, timeout, testid, label.NAME, token, backlog" +
             std::string(kind == "prometheus" ? ", names" : ", db") + ")";
    }
  }
  return {};
}

}  // namespace lab
