#include "loadgen/results/merge.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <stdexcept>

#include "loadgen/results/thresholds.h"

namespace lab {

namespace {

std::string file_of(const Result& r) { return std::filesystem::path(r.path).filename().string(); }

// Adds `src` (sparse, the run histogram's layout) into `into`.
void add_sparse(Histogram& into, const std::vector<std::pair<std::uint32_t, std::uint64_t>>& src) {
  for (const auto& [i, n] : src) into.add_to_bucket(i, n);
}

void add_opt(std::optional<Histogram>& into, const std::optional<Histogram>& h) {
  if (!h) return;
  if (!into) into = Histogram();
  into->merge(*h);
}

// One merged second of the series.
struct SecondAcc {
  SeriesPoint p;
  Histogram h;
  double lag_weighted = 0, late_weighted = 0;
  std::uint64_t weight = 0;
  bool seen = false;
};

// Adds a shard's errors (its seconds shifted by `offset`) into `into`, by kind.
void add_errors(std::map<std::string, ErrorEntry>& into, const std::vector<ErrorEntry>& from, double offset) {
  for (const auto& e : from) {
    auto [it, fresh] = into.try_emplace(e.kind, e);
    ErrorEntry& m = it->second;
    const double first_s = e.first_s + offset, last_s = e.last_s + offset;
    if (fresh) {
      m.first_s = first_s;
      m.last_s = last_s;
      continue;
    }
    m.count += e.count;
    if (first_s < m.first_s) {
      m.first_s = first_s;
      m.example = e.example;
    }
    m.last_s = std::max(m.last_s, last_s);
  }
}

std::vector<ErrorEntry> by_count(const std::map<std::string, ErrorEntry>& errors) {
  std::vector<ErrorEntry> out;
  for (const auto& [k, e] : errors) out.push_back(e);
  std::sort(out.begin(), out.end(), [](const ErrorEntry& a, const ErrorEntry& b) { return a.count > b.count; });
  return out;
}

// One request name of a scenario, summed over the shards.
struct EndpointAcc {
  std::size_t order = 0;
  EndpointStats e;
  std::map<std::string, ErrorEntry> errors;
};

void check_mergeable(const std::vector<Result>& shards) {
  if (shards.empty()) throw std::runtime_error("no shard results given");
  const Result* first = nullptr;
  std::map<int, std::string> seen;
  for (const auto& r : shards) {
    if (!r.shard || r.shard->index < 0)
      throw std::runtime_error(file_of(r) + " is not a shard's result (run loadgen with --shard I/N or --start-at)");
    if (!first) first = &r;
    if (r.shard->count != first->shard->count)
      throw std::runtime_error(file_of(r) + " is shard " + std::to_string(r.shard->index) + " of " +
                               std::to_string(r.shard->count) + ", but " + file_of(*first) + " is one of " +
                               std::to_string(first->shard->count) + ": these are different runs");
    if (auto [it, fresh] = seen.emplace(r.shard->index, file_of(r)); !fresh)
      throw std::runtime_error("shard " + std::to_string(r.shard->index) + " appears twice (" + it->second + " and " +
                               file_of(r) + ")");
    if (!r.shard->run_id.empty() && !first->shard->run_id.empty() && r.shard->run_id != first->shard->run_id)
      throw std::runtime_error(file_of(r) + " belongs to run '" + r.shard->run_id + "', but " + file_of(*first) +
                               " to '" + first->shard->run_id + "': these are different runs");
    // Without an identity, the start times tell: the shards of one run start together.
    const double apart = std::fabs(r.shard->start_epoch_s - first->shard->start_epoch_s);
    const double window = std::max(60.0, workload_view(first->workload).run_time_s);
    if (apart > window)
      throw std::runtime_error(
          file_of(r) + " started " + std::to_string(static_cast<long long>(apart)) + " s apart from " +
          file_of(*first) + ": these are different runs (give the shards of one run the same --run-id or --start-at)");
    const auto a = shard_fingerprint(first->workload), b = shard_fingerprint(r.workload);
    if (a != b) {
      std::string diff;
      for (const auto& [k, v] : a.items())
        if (!b.contains(k) || b[k] != v) diff += (diff.empty() ? "" : ", ") + k;
      for (const auto& [k, v] : b.items())
        if (!a.contains(k)) diff += (diff.empty() ? "" : ", ") + k;
      throw std::runtime_error(file_of(r) + " ran a different workload than " + file_of(*first) + " (" + diff +
                               "): shards of one run share it");
    }
  }
}

}  // namespace

nlohmann::json shard_fingerprint(const nlohmann::json& workload) {
  nlohmann::json w = workload;
  if (w.is_object()) w.erase("threads");
  return w;
}

Result merge_shards(const std::vector<Result>& shards, const std::vector<std::string>& command_line,
                    const std::vector<ThresholdSpec>& thresholds) {
  check_mergeable(shards);
  const Result& first = shards.front();
  const int count = first.shard->count;
  Result out;
  out.tool = first.tool;
  out.label = first.label;
  out.command_line = command_line;
  out.workload = first.workload;
  out.environment = first.environment;
  ShardInfo info;
  info.index = -1;
  info.count = count;
  info.start_at = first.shard->start_at;
  info.start_epoch_s = first.shard->start_epoch_s;
  for (const auto& r : shards) info.start_epoch_s = std::min(info.start_epoch_s, r.shard->start_epoch_s);
  std::set<int> present;

  Summary sum;
  Histogram hist;
  std::optional<Histogram> failed_hist, uncorrected;
  std::map<int, SecondAcc> seconds;
  std::map<std::string, ErrorEntry> errors;
  std::map<std::string, EndpointAcc> endpoints;
  bool all_ideal = true, any_unsent = false;
  double ideal = 0;
  std::uint64_t unsent = 0;
  double cpu_weighted = 0;
  ClientHealth client;
  client.threads = 0;
  std::string started_at;
  for (const auto& r : shards) {
    const ShardInfo& sh = *r.shard;
    present.insert(sh.index);
    if (r.status != "ok")
      info.failed.push_back(sh.index);
    else if (!sh.complete || r.interrupted)
      info.incomplete.push_back(sh.index);  // interrupted or evicted: it ran part of its share
    if (info.run_id.empty()) info.run_id = sh.run_id;
    info.merged.push_back(sh.index);
    nlohmann::json entry = {{"index", sh.index},
                            {"file", file_of(r)},
                            {"status", r.status},
                            {"complete", sh.complete && !r.interrupted},
                            {"start_epoch_s", sh.start_epoch_s}};
    if (sh.start_skew_ms) {
      entry["start_skew_ms"] = *sh.start_skew_ms;
      info.start_skew_ms = std::max(info.start_skew_ms.value_or(*sh.start_skew_ms), *sh.start_skew_ms);
    }
    if (!r.error.empty()) entry["error"] = r.error;
    out.interrupted = out.interrupted || r.interrupted;
    if (started_at.empty() || (!r.started_at.empty() && r.started_at < started_at)) started_at = r.started_at;
    if (!r.summary) {
      info.shards.push_back(entry);
      continue;
    }
    entry["client"] = {{"cpu_pct", r.client.cpu_pct}, {"lag_max_ms", r.client.lag_max_ms}, {"bound", r.client.bound}};
    if (r.client.lag_p99_ms) entry["client"]["lag_p99_ms"] = *r.client.lag_p99_ms;
    info.shards.push_back(entry);
    const Summary& s = *r.summary;
    sum.requests += s.requests;
    sum.successes += s.successes;
    sum.failures += s.failures;
    sum.duration_s = std::max(sum.duration_s, s.duration_s);
    sum.bytes_received += s.bytes_received;
    sum.lag_max_ms = std::max(sum.lag_max_ms, s.lag_max_ms);
    sum.in_flight_at_stop += s.in_flight_at_stop;
    sum.users_spawned += s.users_spawned;
    for (const auto& [code, n] : s.status_codes) sum.status_codes[code] += n;
    if (s.ideal_requests)
      ideal += *s.ideal_requests;
    else
      all_ideal = false;
    if (s.unsent) {
      any_unsent = true;
      unsent += *s.unsent;
    }
    if (r.histogram) hist.merge(*r.histogram);
    add_opt(failed_hist, r.failed_histogram);
    add_opt(uncorrected, r.uncorrected_histogram);
    // The series, on the wall clock: a shard that started later has its seconds shifted.
    const int offset = static_cast<int>(std::llround(sh.start_epoch_s - info.start_epoch_s));
    for (const auto& p : r.series) {
      SecondAcc& a = seconds[p.t + offset];
      a.p.t = p.t + offset;
      a.p.length_s = a.seen ? std::max(a.p.length_s, p.length_s) : p.length_s;
      a.seen = true;
      a.p.partial = a.p.partial || p.partial;
      a.p.users += p.users;
      a.p.requests += p.requests;
      a.p.failures += p.failures;
      a.p.bytes += p.bytes;
      a.p.lag_max_ms = std::max(a.p.lag_max_ms, p.lag_max_ms);
      a.lag_weighted += p.lag_avg_ms * static_cast<double>(p.requests);
      a.late_weighted += p.late_ms * static_cast<double>(p.requests);
      a.weight += p.requests;
      add_sparse(a.h, p.hist);
    }
    add_errors(errors, r.errors, offset);
    for (const auto& e : r.endpoints) {  // by name, in the scenario's order
      auto [it, fresh] = endpoints.try_emplace(e.name, EndpointAcc{});
      EndpointAcc& a = it->second;
      if (fresh) {
        a.order = endpoints.size();
        a.e.name = e.name;
        a.e.method = e.method;
        a.e.path = e.path;
      }
      a.e.requests += e.requests;
      a.e.failures += e.failures;
      a.e.bytes_received += e.bytes_received;
      for (const auto& [code, n] : e.status_codes) a.e.status_codes[code] += n;
      a.e.histogram.merge(e.histogram);
      a.e.failed_histogram.merge(e.failed_histogram);
      add_errors(a.errors, e.errors, offset);
    }
    for (const auto& [phase, h] : r.timings) out.timings[phase].merge(h);
    client.threads += r.client.threads;
    client.cpu_s += r.client.cpu_s;
    cpu_weighted += r.client.cpu_pct * r.client.threads;
    if (r.client.lag_p99_ms) client.lag_p99_ms = std::max(client.lag_p99_ms.value_or(0), *r.client.lag_p99_ms);
    client.lag_max_ms = std::max(client.lag_max_ms, r.client.lag_max_ms);
    if (r.client.bound) {
      client.bound = true;
      client.reason += (client.reason.empty() ? "" : "; ") + std::string("shard ") + std::to_string(sh.index) + ": " +
                       r.client.reason;
    }
  }
  for (int i = 0; i < count; ++i)
    if (!present.count(i)) info.missing.push_back(i);
  out.started_at = started_at;
  if (client.threads > 0) out.workload["threads"] = client.threads;

  const bool any_summary = std::any_of(shards.begin(), shards.end(), [](const Result& r) { return r.has_summary(); });
  if (!any_summary) {
    out.status = "failed";
    out.error = "no shard ran";
    out.shard = info;
    return out;
  }
  sum.failure_rate = sum.requests ? static_cast<double>(sum.failures) / static_cast<double>(sum.requests) : 0.0;
  sum.rps = sum.duration_s > 0 ? static_cast<double>(sum.requests) / sum.duration_s : 0.0;
  sum.latency = LatencySummary::of(hist);
  if (all_ideal && info.missing.empty()) {
    sum.ideal_requests = ideal;
    if (ideal > 0) sum.schedule_fidelity = static_cast<double>(sum.requests) / ideal;
  }
  if (any_unsent) sum.unsent = unsent;
  out.summary = sum;
  out.histogram = hist;
  out.failed_histogram = failed_hist;
  if (uncorrected) {
    out.uncorrected_histogram = uncorrected;
    out.uncorrected_latency = LatencySummary::of(*uncorrected);
  }
  client.cpu_pct = client.threads ? cpu_weighted / client.threads : 0;
  out.client = client;
  for (auto& [t, a] : seconds) {
    SeriesPoint p = a.p;
    p.rps = p.length_s > 0 ? static_cast<double>(p.requests) / p.length_s : 0;
    p.avg_ms = a.h.count() ? OptDouble(a.h.mean() / 1e6) : std::nullopt;
    p.p50_ms = percentile_ms(a.h, 50);
    p.p95_ms = percentile_ms(a.h, 95);
    p.p99_ms = percentile_ms(a.h, 99);
    p.lag_avg_ms = a.weight ? a.lag_weighted / static_cast<double>(a.weight) : 0;
    p.late_ms = a.weight ? a.late_weighted / static_cast<double>(a.weight) : 0;
    p.hist = sparse_counts(a.h);
    out.series.push_back(std::move(p));
  }
  out.errors = by_count(errors);
  out.endpoints.resize(endpoints.size());
  for (auto& [name, a] : endpoints) {
    a.e.errors = by_count(a.errors);
    out.endpoints[a.order - 1] = std::move(a.e);
  }
  // The thresholds, judged again on the union: the shards' own, and those given to merge.
  std::vector<std::string> seen;
  for (const auto& t : first.thresholds) {
    std::string err;
    if (auto spec = parse_threshold(t.expr, err)) {
      out.thresholds.push_back(evaluate(*spec, out));
      seen.push_back(t.expr);
    }
  }
  for (const auto& spec : thresholds)
    if (std::find(seen.begin(), seen.end(), spec.expr) == seen.end()) out.thresholds.push_back(evaluate(spec, out));
  if (sum.successes == 0) {
    out.status = "failed";
    out.error = "no request succeeded in any shard";
  } else if (!info.failed.empty() && info.failed.size() == shards.size()) {
    out.status = "failed";
    out.error = "every shard failed";
  }
  out.shard = info;
  return out;
}

int merge_exit_code(const Result& merged) {
  if (!merged.has_summary() || merged.summary->successes == 0) return 5;
  if (merged.shard && merged.shard->partial()) return 1;
  for (const auto& t : merged.thresholds)
    if (!t.held) return 6;
  return 0;
}

}  // namespace lab
