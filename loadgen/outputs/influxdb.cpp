#include "loadgen/outputs/influxdb.h"

#include <cstdio>
#include <cstdlib>

namespace lab {

namespace {

// Line protocol's escapes: a measurement escapes commas and spaces; tag keys and values also '='.
std::string escape(const std::string& s, bool tag) {
  std::string out;
  for (char c : s) {
    if (c == ',' || c == ' ' || (tag && c == '=')) out += '\\';
    if (c == '\n') {
      out += ' ';
      continue;
    }
    out += c;
  }
  return out;
}

// The shortest of %.15g and %.17g that reads back as v.
std::string number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  if (std::strtod(buf, nullptr) != v) std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string label_of(const Labels& l, const char* key) {
  for (const auto& [k, v] : l)
    if (k == key) return v;
  return {};
}

struct Point {
  std::string measurement;
  Labels tags;
  std::vector<std::pair<std::string, double>> fields;
};

}  // namespace

std::string influx_lines(const std::vector<Frame>& frames, const Labels& run_labels,
                         std::map<std::string, double>& baseline) {
  std::string out;
  for (const Frame& f : frames) {
    std::map<std::string, Point> points;  // by measurement and tags
    auto field = [&](const std::string& measurement, Labels tags, const std::string& name, double v) {
      std::string key = measurement;
      for (const auto& [k, val] : tags) key += "," + k + "=" + val;
      Point& p = points[key];
      p.measurement = measurement;
      p.tags = std::move(tags);
      p.fields.emplace_back(name, v);
    };
    for (const SeriesValue& m : f.metrics) {
      const std::string name = label_of(m.labels, "name");
      Labels named;
      if (!name.empty()) named.emplace_back("name", name);
      if (m.counter) {
        const char* measurement = m.name == "loadgen_requests_total"           ? "http_reqs"
                                  : m.name == "loadgen_bytes_received_total"   ? "data_received"
                                  : m.name == "loadgen_request_failures_total" ? "loadgen_failures"
                                                                               : nullptr;
        if (!measurement) continue;  // (the histogram's buckets are Prometheus's)
        std::string key = m.name;
        for (const auto& [k, v] : m.labels) key += "," + k + "=" + v;
        double& last = baseline[key];
        const double delta = m.value - last;
        last = m.value;
        if (delta == 0) continue;
        field(measurement, m.labels, "value", delta);
      } else if (m.name == "loadgen_request_duration_avg_seconds") {
        field("http_req_duration", named, "value", m.value * 1000);
      } else if (m.name == "loadgen_request_duration_p50_seconds") {
        field("http_req_duration", named, "p50", m.value * 1000);
      } else if (m.name == "loadgen_request_duration_p95_seconds") {
        field("http_req_duration", named, "p95", m.value * 1000);
      } else if (m.name == "loadgen_request_duration_p99_seconds") {
        field("http_req_duration", named, "p99", m.value * 1000);
      } else if (m.name == "loadgen_second_requests") {
        field("http_req_failed", named, "requests", m.value);
      } else if (m.name == "loadgen_second_failures") {
        field("http_req_failed", named, "failures", m.value);
      } else if (m.name == "loadgen_users") {
        field("vus", {}, "value", m.value);
      } else if (m.name == "loadgen_target") {
        field("loadgen_target", {}, "value", m.value);
      } else if (m.name == "loadgen_client_lag_max_seconds") {
        field("loadgen_client", {}, "lag_max_s", m.value);
      } else if (m.name == "loadgen_client_cpu_percent") {
        field("loadgen_client", {}, "cpu_percent", m.value);
      }
    }
    const std::string ts = " " + std::to_string(f.ms) + "\n";
    for (auto& [key, p] : points) {
      if (p.measurement == "http_req_failed") {  // the second's ratio as value, as k6's rate reads
        double req = 0, fail = 0;
        for (const auto& [k, v] : p.fields) (k == "requests" ? req : fail) = v;
        p.fields.emplace(p.fields.begin(), "value", req > 0 ? fail / req : 0.0);
      }
      std::string line = escape(p.measurement, false);
      Labels tags = p.tags;
      tags.insert(tags.end(), run_labels.begin(), run_labels.end());
      for (const auto& [k, v] : tags)
        if (!v.empty()) line += "," + escape(k, true) + "=" + escape(v, true);
      char sep = ' ';
      for (const auto& [k, v] : p.fields) {
        line += sep + escape(k, true) + "=" + number(v);
        sep = ',';
      }
      out += line + ts;
    }
  }
  return out;
}

std::string InfluxOutput::prepare(HttpPoster& poster) {
  const HttpReply r = poster.post(
      o_.target + "/query",
      [&] {
        HttpHeaders h = {{"Content-Type", "application/x-www-form-urlencoded"}};
        h.insert(h.end(), o_.headers.begin(), o_.headers.end());
        return h;
      }(),
      "q=CREATE+DATABASE+%22" + o_.db + "%22", o_.timeout);
  return r.ok() ? std::string() : "CREATE DATABASE " + o_.db + ": " + r.what();
}

PushRequest InfluxOutput::encode(const std::vector<Frame>& frames, const Labels& run_labels) {
  pending_ = sent_;
  PushRequest r;
  r.target = o_.target + "/write?db=" + o_.db + "&precision=ms";
  r.body = influx_lines(frames, run_labels, pending_);
  r.headers = {{"Content-Type", "text/plain; charset=utf-8"}};
  r.headers.insert(r.headers.end(), o_.headers.begin(), o_.headers.end());
  return r;
}

}  // namespace lab
