#include "loadgen/live/metrics.h"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace lab {

namespace {

std::string label(const std::string& v) {  // escaped as the format requires
  std::string o;
  for (char c : v) {
    if (c == '\\' || c == '"') o += '\\';
    if (c == '\n') {
      o += "\\n";
      continue;
    }
    o += c;
  }
  return o;
}

std::string num(double v, const char* format = "%.17g") {
  if (std::isnan(v)) return "NaN";
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

class Writer {
 public:
  void family(const char* name, const char* type, const char* help) {
    o_ << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
  }
  void sample(const std::string& name, double v, const std::string& labels = "") {
    o_ << name << (labels.empty() ? "" : "{" + labels + "}") << " " << num(v) << "\n";
  }
  std::string str() const { return o_.str(); }

 private:
  std::ostringstream o_;
};

// Bucket bounds in seconds: 50 us to a minute.
constexpr double kBounds[] = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                              0.1,     0.25,   0.5,     1,      2.5,   5,      10,    30,   60};

}  // namespace

std::string prometheus_text(const Result& r, const LiveGauges& g) {
  Writer w;
  const Summary s = r.summary.value_or(Summary{});
  w.family("loadgen_requests_total", "counter",
           "Requests completed, successes and failures (the result's summary.requests).");
  w.sample("loadgen_requests_total", static_cast<double>(s.requests));
  w.family("loadgen_failures_total", "counter", "Requests that failed (summary.failures).");
  w.sample("loadgen_failures_total", static_cast<double>(s.failures));
  if (!r.endpoints.empty()) {
    w.family("loadgen_endpoint_requests_total", "counter", "Requests completed, by request name (endpoints).");
    for (const auto& e : r.endpoints)
      w.sample("loadgen_endpoint_requests_total", static_cast<double>(e.requests), "name=\"" + label(e.name) + "\"");
    w.family("loadgen_endpoint_failures_total", "counter", "Requests that failed, by request name.");
    for (const auto& e : r.endpoints)
      w.sample("loadgen_endpoint_failures_total", static_cast<double>(e.failures), "name=\"" + label(e.name) + "\"");
  }
  w.family("loadgen_responses_total", "counter", "Responses received, by status code.");
  for (const auto& [code, n] : s.status_codes)
    w.sample("loadgen_responses_total", static_cast<double>(n), "code=\"" + std::to_string(code) + "\"");
  w.family("loadgen_errors_total", "counter", "Failures by kind (the result's errors).");
  for (const auto& e : r.errors)
    w.sample("loadgen_errors_total", static_cast<double>(e.count), "kind=\"" + label(e.kind) + "\"");
  if (s.unsent) {
    w.family("loadgen_unsent_total", "counter", "Open loop: scheduled requests never sent.");
    w.sample("loadgen_unsent_total", static_cast<double>(*s.unsent));
  }
  w.family("loadgen_users", "gauge", "Users (closed loop) or connections (open loop) active in the last second.");
  w.sample("loadgen_users", g.users);
  w.family("loadgen_target", "gauge", "The plan's target now: users, or requests per second in rate mode.");
  w.sample("loadgen_target", g.target);
  w.family("loadgen_elapsed_seconds", "gauge", "Time since the run's start.");
  w.sample("loadgen_elapsed_seconds", g.elapsed_s);
  w.family("loadgen_run_time_seconds", "gauge", "How long the run is planned to last.");
  w.sample("loadgen_run_time_seconds", g.run_time_s);
  w.family("loadgen_running", "gauge", "1 while the run goes on, 0 once it has ended.");
  w.sample("loadgen_running", g.running ? 1 : 0);
  w.family("loadgen_client_cpu_ratio", "gauge", "The load threads' CPU share of the run so far.");
  w.sample("loadgen_client_cpu_ratio", r.client.cpu_pct / 100);
  w.family("loadgen_client_lag_p99_seconds", "gauge",
           "How late the client woke for requests it was waiting to send, p99.");
  w.sample("loadgen_client_lag_p99_seconds", r.client.lag_p99_ms.value_or(0) / 1000);
  w.family("loadgen_client_bound", "gauge", "1 when the client, not the server, may have set the numbers.");
  w.sample("loadgen_client_bound", r.client.bound ? 1 : 0);
  w.family("loadgen_live_dropped_listeners_total", "counter", "Live-view clients dropped for not reading.");
  w.sample("loadgen_live_dropped_listeners_total", static_cast<double>(g.dropped_listeners));
  w.family("loadgen_request_duration_seconds", "histogram",
           "Latency of successful requests (rate mode: from the intended send time).");
  const Histogram h = r.histogram.value_or(Histogram{});
  std::uint64_t cumulative = 0;
  std::size_t i = 0;
  for (double bound : kBounds) {
    const auto bound_ns = static_cast<std::uint64_t>(bound * 1e9);
    // every bucket whose values all lie at or below the bound
    for (; i < Histogram::bucket_count() && Histogram::lowest_at(i) + Histogram::width_at(i) - 1 <= bound_ns; ++i)
      cumulative += h.count_at(i);
    w.sample("loadgen_request_duration_seconds_bucket", static_cast<double>(cumulative),
             "le=\"" + num(bound, "%g") + "\"");
  }
  w.sample("loadgen_request_duration_seconds_bucket", static_cast<double>(h.count()), "le=\"+Inf\"");
  w.sample("loadgen_request_duration_seconds_sum", h.count() ? h.mean() * static_cast<double>(h.count()) / 1e9 : 0.0);
  w.sample("loadgen_request_duration_seconds_count", static_cast<double>(h.count()));
  return w.str();
}

}  // namespace lab
