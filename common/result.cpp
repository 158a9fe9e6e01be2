#include "common/result.h"

#include "common/json_reader.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

namespace lab {

std::string percentile_key(double p) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%g", p);
  return buf;
}

namespace {

using json = nlohmann::json;

Histogram read_histogram(const Field& f) {
  try {
    return Histogram::from_json(f.raw());
  } catch (const std::exception& e) {
    f.fail(e.what());
  }
}

json latency_json(const LatencySummary& l) {
  json p = json::object();
  for (std::size_t i = 0; i < kPercentiles.size(); ++i)
    p[percentile_key(kPercentiles[i])] = opt_json(l.percentiles_ms[i]);
  return {{"avg_ms", opt_json(l.avg_ms)},
          {"min_ms", opt_json(l.min_ms)},
          {"max_ms", opt_json(l.max_ms)},
          {"percentiles_ms", p}};
}

LatencySummary read_latency(const Field& f) {
  LatencySummary l;
  l.avg_ms = f.at("avg_ms").opt_num();
  if (f.has("min_ms")) l.min_ms = f.at("min_ms").opt_num();
  if (f.has("max_ms")) l.max_ms = f.at("max_ms").opt_num();
  const Field p = f.at("percentiles_ms");
  if (!p.raw().is_object()) p.fail("must be an object");
  for (std::size_t i = 0; i < kPercentiles.size(); ++i) {
    const std::string k = percentile_key(kPercentiles[i]);
    if (p.has(k.c_str())) l.percentiles_ms[i] = p.at(k.c_str()).opt_num();
  }
  return l;
}

json sparse_json(const std::vector<std::pair<std::uint32_t, std::uint64_t>>& v) {
  json a = json::array();
  for (const auto& [i, c] : v) a.push_back({i, c});
  return a;
}

std::vector<std::pair<std::uint32_t, std::uint64_t>> read_sparse(const Field& f) {
  std::vector<std::pair<std::uint32_t, std::uint64_t>> out;
  const std::size_t n = Histogram::bucket_count();
  f.each([&](const Field& pair) {
    const json& p = pair.raw();
    if (!p.is_array() || p.size() != 2 || !p[0].is_number_unsigned() || !p[1].is_number_unsigned())
      pair.fail("must be [bucket index, count]");
    const auto i = p[0].get<std::uint64_t>();
    if (i >= n) pair.fail("has a bucket index out of range");
    out.emplace_back(static_cast<std::uint32_t>(i), p[1].get<std::uint64_t>());
  });
  return out;
}

json codes_json(const std::map<int, std::uint64_t>& m) {
  json codes = json::object();
  for (const auto& [code, n] : m) codes[std::to_string(code)] = n;
  return codes;
}

std::map<int, std::uint64_t> read_codes(const Field& c) {
  std::map<int, std::uint64_t> out;
  if (!c.raw().is_object()) c.fail("must be an object");
  for (const auto& [k, v] : c.raw().items()) {
    int code = 0;
    if (std::sscanf(k.c_str(), "%d", &code) != 1 || code < 100 || code > 999)
      c.fail("has a key that is not a status code: " + k);
    out[code] = c.at(k.c_str()).u64();
  }
  return out;
}

json summary_json(const Summary& s) {
  json j = {{"requests", s.requests},
            {"successes", s.successes},
            {"failures", s.failures},
            {"failure_rate", s.failure_rate},
            {"duration_s", s.duration_s},
            {"rps", s.rps},
            {"bytes_received", s.bytes_received},
            {"lag_max_ms", s.lag_max_ms},
            {"in_flight_at_stop", s.in_flight_at_stop},
            {"users_spawned", s.users_spawned},
            {"ideal_requests", opt_json(s.ideal_requests)},
            {"schedule_fidelity", opt_json(s.schedule_fidelity)},
            {"unsent", s.unsent ? json(*s.unsent) : json(nullptr)},
            {"status_codes", codes_json(s.status_codes)}};
  j.update(latency_json(s.latency));
  return j;
}

Summary read_summary(const Field& f) {
  Summary s;
  s.requests = f.at("requests").u64();
  s.successes = f.at("successes").u64();
  s.failures = f.at("failures").u64();
  if (s.successes + s.failures != s.requests) f.at("requests").fail("must equal successes + failures");
  s.failure_rate = f.at("failure_rate").num();
  s.duration_s = f.at("duration_s").num();
  s.rps = f.at("rps").num();
  s.latency = read_latency(f);
  if (f.has("bytes_received")) s.bytes_received = f.at("bytes_received").u64();
  if (f.has("lag_max_ms")) s.lag_max_ms = f.at("lag_max_ms").num();
  if (f.has("in_flight_at_stop")) s.in_flight_at_stop = f.at("in_flight_at_stop").u64();
  if (f.has("users_spawned")) s.users_spawned = f.at("users_spawned").u64();
  if (f.has("ideal_requests")) s.ideal_requests = f.at("ideal_requests").opt_num();
  if (f.has("schedule_fidelity")) s.schedule_fidelity = f.at("schedule_fidelity").opt_num();
  if (f.has("unsent")) s.unsent = f.at("unsent").u64();
  if (f.has("status_codes")) s.status_codes = read_codes(f.at("status_codes"));
  return s;
}

json counts_json(const SecondCounts& c) {
  return {{"requests", c.requests},
          {"failures", c.failures},
          {"bytes", c.bytes},
          {"rps", c.rps},
          {"avg_ms", opt_json(c.avg_ms)},
          {"p50_ms", opt_json(c.p50_ms)},
          {"p95_ms", opt_json(c.p95_ms)},
          {"p99_ms", opt_json(c.p99_ms)},
          {"hist", sparse_json(c.hist)}};
}

void read_counts(const Field& f, SecondCounts& c) {
  c.requests = f.at("requests").u64();
  c.failures = f.at("failures").u64();
  if (c.failures > c.requests) f.at("failures").fail("exceeds requests");
  if (f.has("bytes")) c.bytes = f.at("bytes").u64();
  c.rps = f.has("rps") ? f.at("rps").num() : 0;
  if (f.has("avg_ms")) c.avg_ms = f.at("avg_ms").opt_num();
  if (f.has("p50_ms")) c.p50_ms = f.at("p50_ms").opt_num();
  if (f.has("p95_ms")) c.p95_ms = f.at("p95_ms").opt_num();
  if (f.has("p99_ms")) c.p99_ms = f.at("p99_ms").opt_num();
  if (f.has("hist")) c.hist = read_sparse(f.at("hist"));
}

json series_json(const SeriesPoint& p) {
  json j = counts_json(p);
  j.update({{"t", p.t},
            {"length_s", p.length_s},
            {"partial", p.partial},
            {"users", p.users},
            {"lag_avg_ms", p.lag_avg_ms},
            {"lag_max_ms", p.lag_max_ms},
            {"late_ms", p.late_ms}});
  if (p.cpu_pct) j["cpu_pct"] = *p.cpu_pct;
  if (p.busy_pct) j["busy_pct"] = *p.busy_pct;
  if (p.reap_max_ms) j["reap_max_ms"] = *p.reap_max_ms;
  if (p.server_cpu_s) j["server_cpu_s"] = *p.server_cpu_s;
  if (p.server_throttled_s) j["server_throttled_s"] = *p.server_throttled_s;
  if (!p.names.empty()) {
    json names = json::array();
    for (const auto& n : p.names) {
      json row = counts_json(n);
      row["name"] = n.name;
      names.push_back(std::move(row));
    }
    j["names"] = std::move(names);
  }
  return j;
}

SeriesPoint read_point(const Field& f) {
  SeriesPoint p;
  p.t = f.at("t").i32();
  if (f.has("length_s")) p.length_s = f.at("length_s").num();
  if (f.has("partial")) p.partial = f.at("partial").boolean();
  p.users = f.at("users").i32();
  read_counts(f, p);
  if (f.has("lag_avg_ms")) p.lag_avg_ms = f.at("lag_avg_ms").num();
  if (f.has("lag_max_ms")) p.lag_max_ms = f.at("lag_max_ms").num();
  if (f.has("late_ms")) p.late_ms = f.at("late_ms").num();
  if (f.has("cpu_pct")) p.cpu_pct = f.at("cpu_pct").num_in(0, 100000);
  if (f.has("busy_pct")) p.busy_pct = f.at("busy_pct").num_in(0, 100000);
  if (f.has("reap_max_ms")) p.reap_max_ms = f.at("reap_max_ms").num_in(0, 1e9);
  if (f.has("server_cpu_s")) p.server_cpu_s = f.at("server_cpu_s").num_in(0, 1e6);
  if (f.has("server_throttled_s")) p.server_throttled_s = f.at("server_throttled_s").num_in(0, 1e6);
  if (f.has("names"))
    f.at("names").each([&](const Field& n) {
      NamePoint np;
      np.name = n.at("name").str();
      read_counts(n, np);
      p.names.push_back(std::move(np));
    });
  return p;
}

json client_json(const ClientHealth& c) {
  return {{"cpu_s", c.cpu_s},
          {"cpu_pct", c.cpu_pct},
          {"threads", c.threads},
          {"lag_p99_ms", opt_json(c.lag_p99_ms)},
          {"lag_max_ms", c.lag_max_ms},
          {"busy_lag_p99_ms", opt_json(c.busy_lag_p99_ms)},
          {"busy_s", c.busy_s},
          {"bound", c.bound},
          {"reason", c.reason},
          {"bound_by", c.bound_by},
          {"reap_p99_ms", opt_json(c.reap_p99_ms)},
          {"reap_max_ms", opt_json(c.reap_max_ms)},
          {"late_s", c.late_s},
          {"note", c.note}};
}

ClientHealth read_client(const Field& f) {
  ClientHealth c;
  c.cpu_s = f.at("cpu_s").num();
  c.cpu_pct = f.at("cpu_pct").num();
  c.threads = f.at("threads").i32();
  c.lag_p99_ms = f.at("lag_p99_ms").opt_num();
  c.lag_max_ms = f.at("lag_max_ms").num();
  if (f.has("busy_lag_p99_ms")) c.busy_lag_p99_ms = f.at("busy_lag_p99_ms").num();
  if (f.has("busy_s")) c.busy_s = f.at("busy_s").num();
  if (f.has("reap_p99_ms")) c.reap_p99_ms = f.at("reap_p99_ms").opt_num();
  if (f.has("reap_max_ms")) c.reap_max_ms = f.at("reap_max_ms").opt_num();
  if (f.has("late_s")) c.late_s = f.at("late_s").i32();
  if (f.has("note")) c.note = f.at("note").str();
  c.bound = f.at("bound").boolean();
  c.reason = f.at("reason").str();
  if (f.has("bound_by")) c.bound_by = f.at("bound_by").str();
  return c;
}

json errors_json(const std::vector<ErrorEntry>& es) {
  json errors = json::array();
  for (const auto& e : es)
    errors.push_back(
        {{"kind", e.kind}, {"count", e.count}, {"first_s", e.first_s}, {"last_s", e.last_s}, {"example", e.example}});
  return errors;
}

std::vector<ErrorEntry> read_errors(const Field& f) {
  std::vector<ErrorEntry> out;
  f.each([&](const Field& e) {
    out.push_back(
        {e.at("kind").str(), e.at("count").u64(), e.at("first_s").num(), e.at("last_s").num(), e.at("example").str()});
  });
  return out;
}

json endpoint_json(const EndpointStats& e, double duration_s) {
  json j = {{"name", e.name},
            {"method", e.method},
            {"path", e.path},
            {"requests", e.requests},
            {"successes", e.successes()},
            {"failures", e.failures},
            {"failure_rate", e.requests ? static_cast<double>(e.failures) / static_cast<double>(e.requests) : 0.0},
            {"rps", duration_s > 0 ? static_cast<double>(e.requests) / duration_s : 0.0},
            {"bytes_received", e.bytes_received},
            {"status_codes", codes_json(e.status_codes)}};
  j.update(latency_json(LatencySummary::of(e.histogram)));
  j["histogram"] = e.histogram.to_json();
  j["failed_histogram"] = e.failed_histogram.to_json();
  j["errors"] = errors_json(e.errors);
  return j;
}

EndpointStats read_endpoint(const Field& f) {
  EndpointStats e;
  e.name = f.at("name").str();
  e.method = f.at("method").str();
  e.path = f.at("path").str();
  e.requests = f.at("requests").u64();
  e.failures = f.at("failures").u64();
  if (e.failures > e.requests) f.at("failures").fail("exceeds requests");
  e.bytes_received = f.at("bytes_received").u64();
  e.status_codes = read_codes(f.at("status_codes"));
  e.histogram = read_histogram(f.at("histogram"));
  e.failed_histogram = read_histogram(f.at("failed_histogram"));
  e.errors = read_errors(f.at("errors"));
  return e;
}

json timing_json(const Histogram& h) {
  json j = {{"count", h.count()}};
  j.update(latency_json(LatencySummary::of(h)));
  j["histogram"] = h.to_json();
  return j;
}

}  // namespace

void Summary::add(const Summary& o) {
  requests += o.requests;
  successes += o.successes;
  failures += o.failures;
  duration_s = std::max(duration_s, o.duration_s);
  bytes_received += o.bytes_received;
  lag_max_ms = std::max(lag_max_ms, o.lag_max_ms);
  in_flight_at_stop += o.in_flight_at_stop;
  users_spawned += o.users_spawned;
  for (const auto& [code, n] : o.status_codes) status_codes[code] += n;
  ideal_requests = ideal_requests && o.ideal_requests ? OptDouble(*ideal_requests + *o.ideal_requests) : std::nullopt;
  if (o.unsent) unsent = unsent.value_or(0) + *o.unsent;
}

void Summary::finish(const Histogram& h) {
  successes = requests - failures;
  failure_rate = requests ? static_cast<double>(failures) / static_cast<double>(requests) : 0.0;
  rps = duration_s > 0 ? static_cast<double>(requests) / duration_s : 0.0;
  latency = LatencySummary::of(h);
  schedule_fidelity.reset();
  if (ideal_requests && *ideal_requests > 0) schedule_fidelity = static_cast<double>(requests) / *ideal_requests;
}

void SeriesPoint::add(const SeriesPoint& o) {
  auto weighted = [&](double a, double b) {
    const double n = static_cast<double>(requests + o.requests);
    return n > 0 ? (a * static_cast<double>(requests) + b * static_cast<double>(o.requests)) / n : 0.0;
  };
  lag_avg_ms = weighted(lag_avg_ms, o.lag_avg_ms);
  late_ms = weighted(late_ms, o.late_ms);
  length_s = std::max(length_s, o.length_s);
  partial = partial || o.partial;
  users += o.users;
  requests += o.requests;
  failures += o.failures;
  bytes += o.bytes;
  lag_max_ms = std::max(lag_max_ms, o.lag_max_ms);
  cpu_pct.reset();  // each shard's own (in its document)
  busy_pct.reset();
}

void SecondCounts::finish_counts(const Histogram& h, double length_s) {
  rps = length_s > 0 ? static_cast<double>(requests) / length_s : 0;
  avg_ms = h.count() ? OptDouble(h.mean() / 1e6) : std::nullopt;
  p50_ms = percentile_ms(h, 50);
  p95_ms = percentile_ms(h, 95);
  p99_ms = percentile_ms(h, 99);
  hist = sparse_counts(h);
}

void SeriesPoint::finish(const Histogram& h) { finish_counts(h, length_s); }

void add_errors(std::vector<ErrorEntry>& into, const std::vector<ErrorEntry>& from, double offset_s) {
  for (const auto& e : from) {
    const double first_s = e.first_s + offset_s, last_s = e.last_s + offset_s;
    auto it = std::find_if(into.begin(), into.end(), [&](const ErrorEntry& x) { return x.kind == e.kind; });
    if (it == into.end()) {
      into.push_back({e.kind, e.count, first_s, last_s, e.example});
      continue;
    }
    it->count += e.count;
    if (first_s < it->first_s) {
      it->first_s = first_s;
      it->example = e.example;
    }
    it->last_s = std::max(it->last_s, last_s);
  }
  std::stable_sort(into.begin(), into.end(),
                   [](const ErrorEntry& a, const ErrorEntry& b) { return a.count > b.count; });
}

void ClientHealth::add(const ClientHealth& o, const std::string& who) {
  const double weighted = cpu_pct * threads + o.cpu_pct * o.threads;
  threads += o.threads;
  cpu_s += o.cpu_s;
  cpu_pct = threads ? weighted / threads : 0;
  if (o.lag_p99_ms) lag_p99_ms = std::max(lag_p99_ms.value_or(0), *o.lag_p99_ms);
  if (o.busy_lag_p99_ms) busy_lag_p99_ms = std::max(busy_lag_p99_ms.value_or(0), *o.busy_lag_p99_ms);
  lag_max_ms = std::max(lag_max_ms, o.lag_max_ms);
  busy_s += o.busy_s;
  if (o.reap_p99_ms) reap_p99_ms = std::max(reap_p99_ms.value_or(0), *o.reap_p99_ms);
  if (o.reap_max_ms) reap_max_ms = std::max(reap_max_ms.value_or(0), *o.reap_max_ms);
  late_s = std::max(late_s, o.late_s);
  if (!o.note.empty()) note += (note.empty() ? "" : "; ") + who + ": " + o.note;
  if (o.bound) {
    bound = true;
    reason += (reason.empty() ? "" : "; ") + who + ": " + o.reason;
    if (bound_by.empty()) bound_by = o.bound_by;
  }
}

void EndpointStats::add(const EndpointStats& o, double offset_s) {
  if (name.empty()) {
    name = o.name;
    method = o.method;
    path = o.path;
  }
  requests += o.requests;
  failures += o.failures;
  bytes_received += o.bytes_received;
  for (const auto& [code, n] : o.status_codes) status_codes[code] += n;
  histogram.merge(o.histogram);
  failed_histogram.merge(o.failed_histogram);
  add_errors(errors, o.errors, offset_s);
}

OptDouble LatencySummary::p(double q) const {
  for (std::size_t i = 0; i < kPercentiles.size(); ++i)
    if (kPercentiles[i] == q) return percentiles_ms[i];
  return std::nullopt;
}

LatencySummary LatencySummary::of(const Histogram& h) {
  LatencySummary l;
  if (h.count() == 0) return l;
  l.avg_ms = h.mean() / 1e6;
  l.min_ms = ns_to_ms(h.min());
  l.max_ms = ns_to_ms(h.max());
  for (std::size_t i = 0; i < kPercentiles.size(); ++i) l.percentiles_ms[i] = ns_to_ms(h.percentile(kPercentiles[i]));
  return l;
}

std::vector<std::pair<std::uint32_t, std::uint64_t>> sparse_counts(const Histogram& h) {
  std::vector<std::pair<std::uint32_t, std::uint64_t>> out;
  if (h.count() == 0) return out;
  const std::size_t first = Histogram::index_of(h.min()), last = Histogram::index_of(h.max());
  for (std::size_t i = first; i <= last; ++i)
    if (const auto c = h.count_at(i)) out.emplace_back(static_cast<std::uint32_t>(i), c);
  return out;
}

std::string Result::name() const {
  if (!label.empty()) return label;
  if (!path.empty()) return std::filesystem::path(path).stem().string();
  return "?";
}

std::uint64_t FlowStats::passes(const std::string& request) const {
  std::uint64_t n = 0;
  for (const auto& c : checks)
    if (request.empty() || c.request == request) n += c.passes;
  return n;
}

std::uint64_t FlowStats::fails(const std::string& request) const {
  std::uint64_t n = 0;
  for (const auto& c : checks)
    if (request.empty() || c.request == request) n += c.fails;
  return n;
}

std::uint64_t FlowStats::skips() const {
  std::uint64_t n = 0;
  for (const auto& s : skipped) n += s.count;
  return n;
}

void FlowStats::add(const FlowStats& o) {
  for (const auto& c : o.checks) {
    auto it = std::find_if(checks.begin(), checks.end(),
                           [&](const CheckTally& x) { return x.request == c.request && x.check == c.check; });
    if (it == checks.end()) {
      checks.push_back(c);
    } else {
      it->passes += c.passes;
      it->fails += c.fails;
    }
  }
  for (const auto& s : o.skipped) {
    auto it = std::find_if(skipped.begin(), skipped.end(),
                           [&](const SkipTally& x) { return x.request == s.request && x.variable == s.variable; });
    if (it == skipped.end())
      skipped.push_back(s);
    else
      it->count += s.count;
  }
  cookies = cookies || o.cookies;
  cookies_set += o.cookies_set;
  cookies_sent += o.cookies_sent;
}

namespace {

// The result's checks, skipped and cookies blocks (each only when it has something to say).
void flow_json(const FlowStats& f, json& j) {
  if (!f.checks.empty()) {
    const std::uint64_t p = f.passes(), n = f.fails();
    json by = json::array();
    for (const auto& c : f.checks)
      by.push_back({{"name", c.request}, {"check", c.check}, {"passes", c.passes}, {"fails", c.fails}});
    j["checks"] = {{"passes", p},
                   {"fails", n},
                   {"rate_percent", p + n ? json(100.0 * static_cast<double>(p) / static_cast<double>(p + n)) : json()},
                   {"by", by}};
  }
  if (!f.skipped.empty()) {
    json by = json::array();
    for (const auto& s : f.skipped) by.push_back({{"name", s.request}, {"variable", s.variable}, {"count", s.count}});
    j["skipped"] = {{"count", f.skips()}, {"by", by}};
  }
  if (f.cookies) j["cookies"] = {{"set", f.cookies_set}, {"sent", f.cookies_sent}};
}

FlowStats read_flow(const Field& root) {
  FlowStats f;
  if (root.has("checks"))
    root.at("checks").at("by").each([&](const Field& c) {
      f.checks.push_back({c.at("name").str(), c.at("check").str(), c.at("passes").u64(), c.at("fails").u64()});
    });
  if (root.has("skipped"))
    root.at("skipped").at("by").each([&](const Field& s) {
      f.skipped.push_back({s.at("name").str(), s.at("variable").str(), s.at("count").u64()});
    });
  if (root.has("cookies")) {
    f.cookies = true;
    f.cookies_set = root.at("cookies").at("set").u64();
    f.cookies_sent = root.at("cookies").at("sent").u64();
  }
  return f;
}

}  // namespace

json to_json(const Result& r) {
  json j = {{"schema", kResultSchema},
            {"schema_version", kResultSchemaVersion},
            {"tool", r.tool},
            {"label", r.label},
            {"status", r.status},
            {"interrupted", r.interrupted},
            {"started_at", r.started_at},
            {"command_line", r.command_line},
            {"workload", r.workload},
            {"environment", r.environment}};
  if (!r.error.empty()) j["error"] = r.error;
  if (!r.server.is_null()) j["server"] = r.server;
  if (r.server_cpu) {
    const ServerCpu& c = *r.server_cpu;
    j["server_cpu"] = {{"cgroup", c.cgroup},
                       {"kind", c.kind},
                       {"usage_s", c.usage_s},
                       {"cpus", c.cpus},
                       {"us_per_request", opt_json(c.us_per_request)},
                       {"limit_cpus", opt_json(c.limit_cpus)},
                       {"period_us", c.period_us},
                       {"periods", c.periods},
                       {"throttled", c.throttled},
                       {"throttled_s", c.throttled_s}};
  }
  if (r.summary) j["summary"] = summary_json(*r.summary);
  if (r.histogram) j["histogram"] = r.histogram->to_json();
  if (r.failed_histogram) j["failed_requests"] = {{"histogram", r.failed_histogram->to_json()}};
  if (r.uncorrected_latency && r.uncorrected_histogram) {
    json u = latency_json(*r.uncorrected_latency);
    u["histogram"] = r.uncorrected_histogram->to_json();
    j["uncorrected"] = u;
  }
  if (r.summary) {
    j["client"] = client_json(r.client);
    json series = json::array();
    for (const auto& p : r.series) series.push_back(series_json(p));
    j["series"] = series;
    j["errors"] = errors_json(r.errors);
    if (!r.endpoints.empty()) {
      json eps = json::array();
      for (const auto& e : r.endpoints) eps.push_back(endpoint_json(e, r.summary->duration_s));
      j["endpoints"] = eps;
    }
    if (!r.timings.empty()) {
      json t = json::object();
      for (const char* phase : kPhases)
        if (auto it = r.timings.find(phase); it != r.timings.end()) t[phase] = timing_json(it->second);
      j["timings"] = t;
    }
    json thresholds = json::array();
    for (const auto& t : r.thresholds) {
      json o = {{"expr", t.expr},   {"metric", t.metric},           {"op", t.op},
                {"limit", t.limit}, {"actual", opt_json(t.actual)}, {"held", t.held}};
      if (!t.name.empty()) o["name"] = t.name;
      thresholds.push_back(o);
    }
    j["thresholds"] = thresholds;
  }
  if (!r.control.empty()) j["control"] = r.control;
  if (!r.outputs.empty()) j["outputs"] = r.outputs;
  if (r.flow) flow_json(*r.flow, j);
  if (!r.stopped.empty()) j["stopped"] = r.stopped;
  if (r.in_progress) j["in_progress"] = true;
  if (r.shard) {
    const ShardInfo& sh = *r.shard;
    json o = {{"index", sh.index}, {"count", sh.count}, {"start_epoch_s", sh.start_epoch_s}, {"complete", sh.complete}};
    if (!sh.run_id.empty()) o["run_id"] = sh.run_id;
    if (!sh.start_at.empty()) o["start_at"] = sh.start_at;
    if (sh.start_skew_ms) o["start_skew_ms"] = *sh.start_skew_ms;
    if (sh.index < 0) {
      o["merged"] = sh.merged;
      o["missing"] = sh.missing;
      o["failed"] = sh.failed;
      o["incomplete"] = sh.incomplete;
      o["partial"] = sh.partial();
      o["shards"] = sh.shards;
    }
    j["shard"] = o;
  }
  if (r.repeats) {
    json m = json::object();
    for (const auto& [name, s] : r.repeats->metrics)
      m[name] = {{"median", s.median}, {"min", s.min}, {"max", s.max}, {"values", s.values}};
    j["repeats"] = {{"count", r.repeats->files.size()}, {"files", r.repeats->files}, {"metrics", m}};
  }
  return j;
}

Result result_from_json(const json& j, const std::string& path) { return result_from_json(j, JsonSource{path, {}}); }

Result result_from_json(const json& j, const JsonSource& src) {
  const std::string& path = src.file;
  const Field root(j, src);
  if (!j.is_object()) root.fail("must be a result document (a JSON object)");
  Result r;
  r.path = path;
  if (!j.contains("schema") || j["schema"] != kResultSchema)
    root.at("schema").fail(std::string("must be \"") + kResultSchema + "\" (is this a loadgen result?)");
  r.schema_version = root.at("schema_version").i32();
  if (r.schema_version != 1 && r.schema_version != 2)
    root.at("schema_version")
        .fail("is " + std::to_string(r.schema_version) +
              "; this loadgen reads versions 1 and 2 (a newer loadgen wrote it?)");
  r.label = root.at("label").str();
  r.status = root.at("status").str();
  if (root.has("error")) r.error = root.at("error").str();
  if (!root.at("workload").raw().is_object()) root.at("workload").fail("must be an object");
  r.workload = j["workload"];
  if (root.has("tool")) r.tool = j["tool"];
  if (root.has("interrupted")) r.interrupted = root.at("interrupted").boolean();
  if (root.has("started_at")) r.started_at = root.at("started_at").str();
  if (root.has("command_line"))
    root.at("command_line").each([&](const Field& a) { r.command_line.push_back(a.str()); });
  if (root.has("environment")) r.environment = j["environment"];
  if (root.has("server")) r.server = j["server"];
  if (root.has("server_cpu")) {
    const Field f = root.at("server_cpu");
    ServerCpu c;
    c.cgroup = f.at("cgroup").str();
    c.kind = f.at("kind").str();
    c.usage_s = f.at("usage_s").num_in(0, 1e9);
    c.cpus = f.at("cpus").num_in(0, 1e6);
    c.us_per_request = f.at("us_per_request").opt_num();
    c.limit_cpus = f.at("limit_cpus").opt_num();
    c.period_us = f.at("period_us").num_in(0, 1e9);
    c.periods = f.at("periods").u64();
    c.throttled = f.at("throttled").u64();
    c.throttled_s = f.at("throttled_s").num_in(0, 1e9);
    r.server_cpu = c;
  }
  if (root.has("summary") || r.status == "ok") {
    r.summary = read_summary(root.at("summary"));
    r.histogram = read_histogram(root.at("histogram"));
    if (root.has("failed_requests")) r.failed_histogram = read_histogram(root.at("failed_requests").at("histogram"));
    if (root.has("uncorrected")) {
      r.uncorrected_latency = read_latency(root.at("uncorrected"));
      r.uncorrected_histogram = read_histogram(root.at("uncorrected").at("histogram"));
    }
    if (root.has("client")) r.client = read_client(root.at("client"));
    if (root.has("series")) root.at("series").each([&](const Field& p) { r.series.push_back(read_point(p)); });
    if (root.has("errors")) r.errors = read_errors(root.at("errors"));
    if (root.has("endpoints"))
      root.at("endpoints").each([&](const Field& e) { r.endpoints.push_back(read_endpoint(e)); });
    if (root.has("timings")) {
      const Field t = root.at("timings");
      if (!t.raw().is_object()) t.fail("must be an object");
      for (const char* phase : kPhases)
        if (t.has(phase)) r.timings[phase] = read_histogram(t.at(phase).at("histogram"));
    }
    if (root.has("thresholds"))
      root.at("thresholds").each([&](const Field& t) {
        r.thresholds.push_back({t.at("expr").str(), t.at("metric").str(), t.at("op").str(), t.at("limit").num(),
                                t.at("actual").opt_num(), t.at("held").boolean(),
                                t.has("name") ? t.at("name").str() : std::string()});
      });
    if (r.schema_version == 1 && r.summary->successes == 0) r.summary->latency = LatencySummary{};  // v1 wrote zeros
  }
  if (root.has("control")) {
    root.at("control").each([](const Field& c) { c.expect_object(); });
    r.control = j["control"];
  }
  if (root.has("outputs")) {
    root.at("outputs").each([](const Field& o) { o.expect_object(); });
    r.outputs = j["outputs"];
  }
  if (root.has("checks") || root.has("skipped") || root.has("cookies")) r.flow = read_flow(root);
  if (root.has("stopped")) r.stopped = root.at("stopped").str();
  if (root.has("in_progress")) r.in_progress = root.at("in_progress").boolean();
  if (root.has("shard")) {
    const Field f = root.at("shard");
    ShardInfo sh;
    sh.index = f.at("index").i32();
    sh.count = f.at("count").i32();
    if (sh.count < 1 || sh.index < -1 || sh.index >= sh.count)
      f.fail("index and count must satisfy 0 <= index < count");
    sh.start_epoch_s = f.at("start_epoch_s").num();
    if (f.has("run_id")) sh.run_id = f.at("run_id").str();
    // (before the field existed: complete unless interrupted)
    sh.complete = f.has("complete") ? f.at("complete").boolean() : !r.interrupted;
    if (f.has("start_at")) sh.start_at = f.at("start_at").str();
    if (f.has("start_skew_ms")) sh.start_skew_ms = f.at("start_skew_ms").num();
    if (sh.index < 0) {
      f.at("merged").each([&](const Field& x) { sh.merged.push_back(x.i32()); });
      f.at("missing").each([&](const Field& x) { sh.missing.push_back(x.i32()); });
      f.at("failed").each([&](const Field& x) { sh.failed.push_back(x.i32()); });
      if (f.has("incomplete")) f.at("incomplete").each([&](const Field& x) { sh.incomplete.push_back(x.i32()); });
      sh.shards = f.at("shards").raw();
    }
    r.shard = sh;
  }
  if (root.has("repeats")) {
    Repeats rep;
    const Field f = root.at("repeats");
    f.at("files").each([&](const Field& x) { rep.files.push_back(x.str()); });
    const Field m = f.at("metrics");
    if (!m.raw().is_object()) m.fail("must be an object");
    for (const auto& [name, v] : m.raw().items()) {
      const Field s = m.at(name.c_str());
      RepeatStat st{s.at("median").num(), s.at("min").num(), s.at("max").num(), {}};
      s.at("values").each([&](const Field& x) { st.values.push_back(x.num()); });
      rep.metrics[name] = st;
    }
    r.repeats = rep;
  }
  return r;
}

WorkloadView workload_view(const json& w) {
  WorkloadView v;
  if (!w.is_object()) return v;
  auto str = [&](const char* k) { return w.contains(k) && w[k].is_string() ? w[k].get<std::string>() : std::string(); };
  auto num = [&](const char* k) { return w.contains(k) && w[k].is_number() ? w[k].get<double>() : 0.0; };
  v.mode = str("mode");
  v.url = str("url");
  v.path = str("path");
  if (const std::string m = str("method"); !m.empty()) v.method = m;
  if (const std::string e = str("expect_status"); !e.empty()) v.expect_status = e;
  v.users = static_cast<int>(num("users"));
  v.spawn_rate = num("spawn_rate");
  v.wait_min_s = num("wait_min_s");
  v.wait_max_s = num("wait_max_s");
  v.wait = str("wait");
  v.rate = num("rate");
  v.run_time_s = num("run_time_s");
  v.keepalive = w.contains("keepalive") && w["keepalive"].is_boolean() && w["keepalive"].get<bool>();
  if (w.contains("stages") && w["stages"].is_array()) {
    v.stages = str("stages_target");
    for (const auto& st : w["stages"]) {
      if (!st.is_object() || !st.contains("duration_s") || !st.contains("target")) continue;
      char buf[64];
      std::snprintf(buf, sizeof buf, "%s%gs:%g", v.stages.size() > 6 ? ", " : " ", st["duration_s"].get<double>(),
                    st["target"].get<double>());
      v.stages += buf;
    }
  }
  return v;
}

ServerView server_view(const json& s) {
  ServerView v;
  if (!s.is_object()) return v;
  auto str = [](const json& o, const char* k, std::string& out) {
    if (o.contains(k) && o[k].is_string()) out = o[k].get<std::string>();
  };
  auto num = [](const json& o, const char* k, double& out) {
    if (o.contains(k) && o[k].is_number()) out = o[k].get<double>();
  };
  str(s, "args", v.args);
  num(s, "cpus", v.cpus);
  if (s.contains("cpu_limit") && s["cpu_limit"].is_number()) v.cpu_limit = s["cpu_limit"].get<double>();
  if (s.contains("knobs") && s["knobs"].is_object()) {
    const json& k = s["knobs"];
    v.has_knobs = true;
    str(k, "model", v.knobs.model);
    str(k, "protocol", v.knobs.protocol);
    str(k, "keepalive", v.knobs.keepalive);
    str(k, "io_wait", v.knobs.io_wait);
    num(k, "work_us", v.knobs.work_us);
    num(k, "io_wait_ms", v.knobs.io_wait_ms);
    if (k.contains("body_bytes") && k["body_bytes"].is_number_integer())
      v.knobs.body_bytes = k["body_bytes"].get<long long>();
  }
  return v;
}

EnvironmentView environment_view(const json& e) {
  EnvironmentView v;
  if (!e.is_object()) return v;
  if (e.contains("cpus") && e["cpus"].is_number_integer()) v.cpus = e["cpus"].get<int>();
  if (e.contains("kernel") && e["kernel"].is_string()) v.kernel = e["kernel"].get<std::string>();
  if (e.contains("start_epoch_s") && e["start_epoch_s"].is_number()) v.start_epoch_s = e["start_epoch_s"].get<double>();
  return v;
}

json comparable_workload(const json& workload) {
  json w = workload;
  if (!w.is_object()) return w;
  for (const char* k : {"url", "host", "port", "threads", "seed"}) w.erase(k);
  return w;
}

}  // namespace lab
