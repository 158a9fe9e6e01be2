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

namespace {

// The merged run, shard by shard: every part adds itself with the add() of its type.
class Merged {
 public:
  explicit Merged(const std::vector<Result>& shards, const std::vector<std::string>& command_line) {
    const Result& first = shards.front();
    out_.tool = first.tool;
    out_.label = first.label;
    out_.command_line = command_line;
    out_.workload = first.workload;
    out_.environment = first.environment;
    info_.index = -1;
    info_.count = first.shard->count;
    info_.start_at = first.shard->start_at;
    info_.start_epoch_s = first.shard->start_epoch_s;
    for (const auto& r : shards) info_.start_epoch_s = std::min(info_.start_epoch_s, r.shard->start_epoch_s);
    client_.threads = 0;
  }

  void add(const Result& r) {
    const ShardInfo& sh = *r.shard;
    present_.insert(sh.index);
    if (r.status != "ok")
      info_.failed.push_back(sh.index);
    else if (!sh.complete || r.interrupted)
      info_.incomplete.push_back(sh.index);  // interrupted or evicted: it ran part of its share
    if (info_.run_id.empty()) info_.run_id = sh.run_id;
    info_.merged.push_back(sh.index);
    if (sh.start_skew_ms)
      info_.start_skew_ms = std::max(info_.start_skew_ms.value_or(*sh.start_skew_ms), *sh.start_skew_ms);
    out_.interrupted = out_.interrupted || r.interrupted;
    if (out_.started_at.empty() || (!r.started_at.empty() && r.started_at < out_.started_at))
      out_.started_at = r.started_at;
    info_.shards.push_back(shard_entry(r));
    if (!r.summary) return;
    if (!summary_)
      summary_ = Summary{*r.summary};
    else
      summary_->add(*r.summary);
    if (r.histogram) successes_.merge(*r.histogram);
    add_opt(out_.failed_histogram, r.failed_histogram);
    add_opt(out_.uncorrected_histogram, r.uncorrected_histogram);
    // The series, on the wall clock: a shard that started later has its seconds shifted.
    const int offset = static_cast<int>(std::llround(sh.start_epoch_s - info_.start_epoch_s));
    for (const auto& p : r.series) {
      auto [it, fresh] = seconds_.try_emplace(p.t + offset);
      Second& s = it->second;
      if (fresh) {
        s.point = p;
        s.point.t = p.t + offset;
        s.point.cpu_pct.reset();
        s.point.busy_pct.reset();
        s.point.names.clear();
      } else {
        s.point.add(p);
      }
      for (const auto& [i, n] : p.hist) s.hist[i] += n;
      for (const auto& n : p.names) {  // by name, in the scenario's order
        auto at = std::find_if(s.point.names.begin(), s.point.names.end(),
                               [&](const NamePoint& x) { return x.name == n.name; });
        if (at == s.point.names.end()) {
          at = s.point.names.insert(s.point.names.end(), NamePoint{});
          at->name = n.name;
          s.name_hists.emplace_back();
        }
        at->requests += n.requests;
        at->failures += n.failures;
        at->bytes += n.bytes;
        Buckets& h = s.name_hists[static_cast<std::size_t>(at - s.point.names.begin())];
        for (const auto& [i, c] : n.hist) h[i] += c;
      }
    }
    add_errors(out_.errors, r.errors, offset);
    for (const auto& e : r.endpoints) {  // by name, in the scenario's order
      auto it = std::find_if(out_.endpoints.begin(), out_.endpoints.end(),
                             [&](const EndpointStats& x) { return x.name == e.name; });
      if (it == out_.endpoints.end()) it = out_.endpoints.insert(out_.endpoints.end(), EndpointStats{});
      it->add(e, offset);
    }
    for (const auto& [phase, h] : r.timings) out_.timings[phase].merge(h);
    if (r.flow) {  // a scenario's checks, skips and cookies: tallies that add
      if (!out_.flow) out_.flow = FlowStats{};
      out_.flow->add(*r.flow);
    }
    client_.add(r.client, "shard " + std::to_string(sh.index));
    add_http2(r.environment);
  }

  // HTTP/2's connection counts (environment.http2): the connections every shard opened, the
  // most streams one carried, the least the server allowed.
  void add_http2(const nlohmann::json& env) {
    const auto it = env.find("http2");
    if (it == env.end() || !it->is_object()) return;
    nlohmann::json& h = out_.environment["http2"];
    if (!h2_seen_) {
      h = *it;
      h2_seen_ = true;
      return;
    }
    h["connections_opened"] = h.value("connections_opened", 0ull) + it->value("connections_opened", 0ull);
    h["max_streams_in_flight"] = std::max(h.value("max_streams_in_flight", 0), it->value("max_streams_in_flight", 0));
    if (it->contains("server_max_concurrent_streams"))
      h["server_max_concurrent_streams"] = std::min(h.value("server_max_concurrent_streams", 0xffffffffu),
                                                    it->value("server_max_concurrent_streams", 0u));
  }

  Result finish(const std::vector<Result>& shards, const std::vector<ThresholdSpec>& thresholds) {
    for (int i = 0; i < info_.count; ++i)
      if (!present_.count(i)) info_.missing.push_back(i);
    if (client_.threads > 0) out_.workload["threads"] = client_.threads;
    if (!summary_) {
      out_.status = "failed";
      out_.error = "no shard ran";
      out_.shard = info_;
      return out_;
    }
    if (!info_.missing.empty()) summary_->ideal_requests.reset();  // not the whole schedule
    summary_->finish(successes_);
    out_.summary = summary_;
    out_.histogram = successes_;
    if (out_.uncorrected_histogram) out_.uncorrected_latency = LatencySummary::of(*out_.uncorrected_histogram);
    out_.client = client_;
    for (auto& [t, second] : seconds_) {
      second.point.finish(from_sparse(second.hist));
      for (std::size_t i = 0; i < second.point.names.size(); ++i)
        second.point.names[i].finish(from_sparse(second.name_hists[i]), second.point.length_s);
      out_.series.push_back(second.point);
    }
    // The thresholds, judged again on the union: the shards' own, and those given to merge.
    std::vector<std::string> seen;
    for (const auto& t : shards.front().thresholds) {
      std::string err;
      if (auto spec = parse_threshold(t.expr, err)) {
        out_.thresholds.push_back(evaluate(*spec, out_));
        seen.push_back(t.expr);
      }
    }
    for (const auto& spec : thresholds)
      if (std::find(seen.begin(), seen.end(), spec.expr) == seen.end()) out_.thresholds.push_back(evaluate(spec, out_));
    if (summary_->successes == 0) {
      out_.status = "failed";
      out_.error = "no request succeeded in any shard";
    } else if (info_.failed.size() == shards.size()) {
      out_.status = "failed";
      out_.error = "every shard failed";
    }
    out_.shard = info_;
    return out_;
  }

 private:
  static void add_opt(std::optional<Histogram>& into, const std::optional<Histogram>& h) {
    if (!h) return;
    if (!into) into = Histogram();
    into->merge(*h);
  }

  static nlohmann::json shard_entry(const Result& r) {
    const ShardInfo& sh = *r.shard;
    nlohmann::json entry = {{"index", sh.index},
                            {"file", file_of(r)},
                            {"status", r.status},
                            {"complete", sh.complete && !r.interrupted},
                            {"start_epoch_s", sh.start_epoch_s}};
    if (sh.start_skew_ms) entry["start_skew_ms"] = *sh.start_skew_ms;
    if (!r.error.empty()) entry["error"] = r.error;
    if (r.summary) {
      entry["client"] = {{"cpu_pct", r.client.cpu_pct}, {"lag_max_ms", r.client.lag_max_ms}, {"bound", r.client.bound}};
      if (r.client.lag_p99_ms) entry["client"]["lag_p99_ms"] = *r.client.lag_p99_ms;
    }
    return entry;
  }

  Result out_;
  bool h2_seen_ = false;
  ShardInfo info_;
  std::set<int> present_;
  std::optional<Summary> summary_;
  Histogram successes_;
  // A second's buckets are kept sparse until the end: a full histogram per second (and per
  // name) would hold hundreds of kilobytes each for an hour's run.
  using Buckets = std::map<std::uint32_t, std::uint64_t>;
  struct Second {
    SeriesPoint point;
    Buckets hist;                     // the second's successes
    std::vector<Buckets> name_hists;  // each name's, as point.names
  };
  std::map<int, Second> seconds_;
  ClientHealth client_;
};

}  // namespace

Result merge_shards(const std::vector<Result>& shards, const std::vector<std::string>& command_line,
                    const std::vector<ThresholdSpec>& thresholds) {
  check_mergeable(shards);
  Merged m(shards, command_line);
  for (const auto& r : shards) m.add(r);
  return m.finish(shards, thresholds);
}

int merge_exit_code(const Result& merged) {
  if (!merged.has_summary() || merged.summary->successes == 0) return 5;
  if (merged.shard && merged.shard->partial()) return 1;
  for (const auto& t : merged.thresholds)
    if (!t.held) return 6;
  return 0;
}

}  // namespace lab
