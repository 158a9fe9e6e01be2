#pragma once
// The result document (schema v2) as one C++ type, with one reader and one writer. loadgen's
// engine fills it; compare, summary, report, the CSV writer and the tests read it; nothing
// reads a result file by string keys. Documented field by field in docs/results.md.
//
// Version 1 files (before status codes, client health and thresholds) still read: what they
// lack is left empty or null. Other versions are refused with the version named.
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/histogram.h"
#include "common/json_reader.h"

namespace lab {

inline constexpr const char* kResultSchema = "loadlab.result";
inline constexpr int kResultSchemaVersion = 2;

/// Locust's percentile set, in the order every table uses.
inline constexpr std::array<double, 11> kPercentiles = {50, 66, 75, 80, 90, 95, 98, 99, 99.9, 99.99, 100};
/// "50", "99.9", "100": the key of a percentile in documents and column titles.
std::string percentile_key(double p);

using OptDouble = std::optional<double>;
/// An optional number as JSON: the number, or null.
inline nlohmann::json opt_json(const OptDouble& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }

/// Latency of a set of requests; every field is null when the set is empty (a run where
/// nothing succeeded has no latency, not a latency of 0).
struct LatencySummary {
  OptDouble avg_ms, min_ms, max_ms;
  std::array<OptDouble, kPercentiles.size()> percentiles_ms{};
  /// The percentile q of kPercentiles (nullopt if q is not one of them or nothing was measured).
  OptDouble p(double q) const;
  static LatencySummary of(const Histogram& h);
};

struct Summary {
  std::uint64_t requests = 0, successes = 0, failures = 0;
  double failure_rate = 0;
  double duration_s = 0;
  double rps = 0;          // requests (successes + failures) per second
  LatencySummary latency;  // of successes
  std::uint64_t bytes_received = 0;
  double lag_max_ms = 0;
  std::uint64_t in_flight_at_stop = 0, users_spawned = 0;
  OptDouble ideal_requests, schedule_fidelity;  // null in max mode
  std::optional<std::uint64_t> unsent;          // rate mode: scheduled, never sent
  std::map<int, std::uint64_t> status_codes;    // every response received, by code

  /// Adds another part of the run (a shard): the counts sum; the duration and the worst lag are
  /// the longest; the ideal count sums only when both parts have one.
  void add(const Summary& o);
  /// What follows from the counts: successes, failure rate, requests/s, fidelity, and the
  /// latency of `successes` (the successes' histogram).
  void finish(const Histogram& successes);
};

/// How the load generator itself fared: a run where it fell behind measured the client.
struct ClientHealth {
  double cpu_s = 0;    // user + system CPU of the whole process
  double cpu_pct = 0;  // of the load threads' capacity (100: every load thread always busy)
  int threads = 1;
  OptDouble lag_p99_ms;  // lateness of request starts against the schedule
  double lag_max_ms = 0;
  /// The lag p99 counted only in the seconds a load thread was busy (on a CPU or waiting for one)
  /// at least half the time:
  /// lateness the client caused itself (an idle client woken late by a burst of the server's
  /// timeouts is not the limit). Null when no second was that busy.
  OptDouble busy_lag_p99_ms;
  double busy_s = 0;  // thread-seconds that busy
  /// The ring path only (null elsewhere): how long responses that were to resume their users at
  /// once sat in the kernel before the client reaped them (p99 and worst). An idle client whose
  /// wake-ups are late reads as a slow server unless this is looked at.
  OptDouble reap_p99_ms, reap_max_ms;
  bool bound = false;    // the client, not the server, may have set the numbers
  std::string reason;    // why `bound`
  std::string bound_by;  // its evidence: "busy", "lag" or "reap" ("" when not bound)
  /// Seconds in which the client, busy, fell behind its schedule (lag p99 over the limit), and
  /// what they mean when they were too few to make it `bound` ("client late in 1 s of 60
  /// (161 ms); those seconds' latencies are the client's"): the rest of the run is judged.
  int late_s = 0;
  std::string note;

  /// Adds another client's (a shard's, named `who` in the reason): threads and CPU sum, the CPU
  /// share is weighted by threads, lags take the worst, any bound client makes it bound.
  void add(const ClientHealth& o, const std::string& who);
};

struct ErrorEntry {
  std::string kind;  // connection_refused, http_404, ...
  std::uint64_t count = 0;
  double first_s = 0, last_s = 0;
  std::string example;
};
/// Adds `from` (its seconds shifted by `offset_s`) into `into` by kind, keeping the earliest
/// example; `into` stays ordered by count, largest first.
void add_errors(std::vector<ErrorEntry>& into, const std::vector<ErrorEntry>& from, double offset_s = 0);

/// What a second counts, for the whole run or one request name: requests, failures, bytes, and
/// the successes' rate, latency and buckets.
struct SecondCounts {
  std::uint64_t requests = 0, failures = 0, bytes = 0;
  double rps = 0;
  OptDouble avg_ms, p50_ms, p95_ms, p99_ms;  // of the interval's successes
  /// The interval's successes as sparse [bucket index, count] in the run histogram's layout,
  /// so seconds (and shards) merge exactly.
  std::vector<std::pair<std::uint32_t, std::uint64_t>> hist;
  /// What follows from the counts and `successes` in an interval `length_s` long: requests/s,
  /// the average and percentiles, and `hist`.
  void finish_counts(const Histogram& successes, double length_s);
};

/// One request name's share of a second (--scenario). The names of a second add up to the
/// second: requests, failures and the successes' buckets (rate mode's unsent slots, never sent,
/// belong to no name and are in the aggregate's histogram only).
struct NamePoint : SecondCounts {
  std::string name;
  void finish(const Histogram& successes, double length_s) { finish_counts(successes, length_s); }
};

struct SeriesPoint : SecondCounts {
  int t = 0;            // end of the interval, seconds since the start
  double length_s = 1;  // shorter for the last, partial second
  bool partial = false;
  int users = 0;
  double lag_avg_ms = 0, lag_max_ms = 0;
  double late_ms = 0;            // rate mode: how late the sends already due went out, on average
  OptDouble reap_max_ms;         // the ring path: the longest a response sat in the kernel unreaped
  OptDouble server_cpu_s;        // --server-cgroup: the server's CPU time in this interval (CPU-seconds)
  OptDouble server_throttled_s;  // ... and how long a CPU limit held it throttled
  OptDouble cpu_pct;             // the load threads' CPU share of the interval (their CPU clocks)
  OptDouble busy_pct;            // ... on a CPU or runnable and waiting for one (the kernel's schedstat)
  std::vector<NamePoint> names;  // --scenario: one per request name, in the scenario's order

  /// Adds another part's same second (a shard's): counts sum, the worst lag is the worst, the
  /// average lag and lateness are weighted by requests, the load threads' shares are left out
  /// (each shard's document keeps its own). `hist` and `names` are not touched: merge the
  /// seconds' histograms and call finish.
  void add(const SeriesPoint& o);
  /// What follows from the counts and `successes` (the interval's successes): requests/s, the
  /// average and percentiles, and `hist`.
  void finish(const Histogram& successes);
};

struct Threshold {
  std::string expr;    // as given: "p99<5ms"
  std::string metric;  // p99, avg, rps, errors, ...
  std::string op;      // < <= > >=
  double limit = 0;    // in the metric's unit (ms, req/s, %, count)
  OptDouble actual;    // null when it could not be measured (no success)
  bool held = false;
  std::string name;  // a request name ("p95{name=search}<50ms"); empty: the whole run
};

/// A scenario's users with state (loadgen/flow/): each check's passes and fails, the requests
/// not sent for want of a variable, and the cookies the users' jars took and sent (never their
/// values). Absent without a scenario that has checks, extractions or cookies.
struct CheckTally {
  std::string request, check;  // the request's name; the check's (status, json /token, ...)
  std::uint64_t passes = 0, fails = 0;
};
struct SkipTally {
  std::string request, variable;
  std::uint64_t count = 0;
};
struct FlowStats {
  std::vector<CheckTally> checks;
  std::vector<SkipTally> skipped;
  bool cookies = false;  // the users kept cookie jars
  std::uint64_t cookies_set = 0, cookies_sent = 0;
  std::uint64_t passes(const std::string& request = "") const;
  std::uint64_t fails(const std::string& request = "") const;
  std::uint64_t skips() const;
  /// Adds another shard's tallies (by request and check or variable).
  void add(const FlowStats& o);
};

/// A shard of a distributed run (--shard I/N, --start-at), or a merge of shards (loadgen merge).
struct ShardInfo {
  int index = 0, count = 1;  // a merged result: index -1
  std::string run_id;        // which distributed run it belongs to (--run-id, or its --start-at); "" unknown
  bool complete = true;      // ran to its end (not interrupted, not stopped early)
  std::string start_at;      // --start-at as given ("" without one)
  double start_epoch_s = 0;  // wall-clock time (Unix seconds) of the run's origin
  OptDouble start_skew_ms;   // origin minus --start-at: how late this shard started
  // A merged result: the shards it holds, those missing or failed (the result is then
  // partial), and each shard's start skew and client health.
  std::vector<int> merged, missing, failed, incomplete;
  nlohmann::json shards = nlohmann::json::array();
  bool partial() const { return !missing.empty() || !failed.empty() || !incomplete.empty(); }
};

/// One named request of a scenario (--scenario), as Locust keeps per-name statistics.
struct EndpointStats {
  std::string name, method, path;
  std::uint64_t requests = 0, failures = 0, bytes_received = 0;
  std::map<int, std::uint64_t> status_codes;
  Histogram histogram;         // successes (rate mode: from the intended send time)
  Histogram failed_histogram;  // how long its failed requests took
  std::vector<ErrorEntry> errors;
  std::uint64_t successes() const { return requests - failures; }
  /// Adds the same request's statistics from another part (its errors' seconds shifted).
  void add(const EndpointStats& o, double offset_s = 0);
};

/// The phases of a request, timed as curl and k6 split them (every complete response, 4xx/5xx too):
/// connect (new connections only), TLS handshake (https, new connections only), waiting (the
/// request written to the first response byte) and receiving (first byte to the last).
inline constexpr std::array<const char*, 5> kPhases = {"connect", "tls", "queued", "waiting", "receiving"};

/// A bench-all model run several times (REPEAT=N): per metric, its value in each repeat.
struct RepeatStat {
  double median = 0, min = 0, max = 0;
  std::vector<double> values;
};
struct Repeats {
  std::vector<std::string> files;
  std::map<std::string, RepeatStat> metrics;  // by metric name (see loadgen/results/noise.h)
};

/// The server's CPU over the run, read from its cgroup (--server-cgroup): its service demand.
struct ServerCpu {
  std::string cgroup, kind;                  // the group's name; "v2" or "v1"
  double usage_s = 0;                        // CPU-seconds over the run's measured time
  double cpus = 0;                           // usage / duration: CPUs busy on average (utilization)
  OptDouble us_per_request;                  // usage / requests completed: the service demand D (null: none)
  OptDouble limit_cpus;                      // a CPU limit (CFS bandwidth), if set
  double period_us = 0;                      // its period
  std::uint64_t periods = 0, throttled = 0;  // CFS periods over the run, and those throttled
  double throttled_s = 0;
};

struct Result {
  int schema_version = kResultSchemaVersion;
  nlohmann::json tool = nlohmann::json::object();  // {name, version, git_sha}
  std::string label;
  std::string status = "ok";  // ok, failed (ran, nothing succeeded), server_failed, ...
  std::string error;          // why, when status is not ok
  bool interrupted = false;
  std::string started_at;
  std::vector<std::string> command_line;
  nlohmann::json workload = nlohmann::json::object();     // what loadgen was asked to do
  nlohmann::json environment = nlohmann::json::object();  // machine, limits, pinning
  nlohmann::json server;                                  // bench-all's note on the server
  std::optional<ServerCpu> server_cpu;                    // --server-cgroup: the server's CPU
  std::optional<Summary> summary;                         // absent when the run never started
  std::optional<Histogram> histogram;                     // successes (rate mode: corrected, unsent included)
  std::optional<Histogram> failed_histogram;              // how long failed requests took (Locust counts them)
  std::optional<LatencySummary> uncorrected_latency;      // rate mode: from the actual send
  std::optional<Histogram> uncorrected_histogram;
  ClientHealth client;
  std::vector<SeriesPoint> series;
  std::vector<ErrorEntry> errors;
  std::vector<Threshold> thresholds;
  std::optional<Repeats> repeats;
  std::optional<ShardInfo> shard;
  std::vector<EndpointStats> endpoints;              // with --scenario: one per request name
  std::map<std::string, Histogram> timings;          // by phase (kPhases); absent phases were not timed
  nlohmann::json control = nlohmann::json::array();  // changes made while it ran (the live view)
  nlohmann::json outputs = nlohmann::json::array();  // what each pushing output sent and dropped (--out)
  std::optional<FlowStats> flow;                     // checks, skipped, cookies (a scenario's users with state)
  std::string stopped;                               // "from the live view after 12.3 s": ended early on request
  bool in_progress = false;                          // a snapshot of a run still going (the live view's)
  std::string path;                                  // the file it was read from (not written)

  /// Has numbers to show: it ran (even if nothing succeeded).
  bool has_summary() const { return summary.has_value(); }
  bool ok() const { return status == "ok" && summary.has_value(); }
  /// The label, or for an unlabelled run its file name without ".json".
  std::string name() const;
};

/// Percentile q of `h` in milliseconds; nullopt when it holds nothing.
inline OptDouble percentile_ms(const Histogram& h, double q) {
  return h.count() ? OptDouble(ns_to_ms(h.percentile(q))) : std::nullopt;
}

nlohmann::json to_json(const Result& r);
/// Reads a v1 or v2 document; throws std::runtime_error naming `path` and the field at fault.
Result result_from_json(const nlohmann::json& j, const std::string& path);
/// The same, naming the line of a complaint (src.text is the document's text).
Result result_from_json(const nlohmann::json& j, const JsonSource& src);

/// The workload fields the result tools show, read from Result::workload.
struct WorkloadView {
  std::string mode, url, path;
  std::string method = "GET";  // the single request's (a scenario's are per name)
  std::string expect_status = "2xx";
  int users = 0;
  double spawn_rate = 0, wait_min_s = 0, wait_max_s = 0, rate = 0, run_time_s = 0;
  bool keepalive = false;
  std::string stages;  // "users 10s:100, 20s:100, 10s:0" when the run had stages
  std::string wait;    // users mode, a wait shape other than between: "pacing:5s"
};
WorkloadView workload_view(const nlohmann::json& workload);

/// What the scripts that start a server note beside its run (a result's or a capacity
/// document's `server`, docs/results.md), typed where code reads it: the arguments, the knobs its
/// ready line stated, the CPUs it had and its CPU limit. Fields absent or of the wrong type keep
/// their defaults.
struct ServerView {
  std::string args;  // its command line after the executable
  struct Knobs {
    std::string model, protocol = "seed", keepalive = "no", io_wait = "none";
    double work_us = 0, io_wait_ms = 0;
    long long body_bytes = -1;  // -1: the protocol's default reply
  } knobs;
  bool has_knobs = false;
  double cpus = 1;                  // the CPUs it may run on (its pinning)
  std::optional<double> cpu_limit;  // SERVER_CPU_LIMIT: a CPU quota, in CPUs
};
ServerView server_view(const nlohmann::json& server);

/// The fields of a result's `environment` that code reads, typed (absent or mistyped: defaults).
struct EnvironmentView {
  int cpus = 0;
  std::string kernel;
  double start_epoch_s = 0;  // when the run's measured window began (an interval log's first line)
};
EnvironmentView environment_view(const nlohmann::json& environment);
/// The workload without what legitimately differs between runs (target address, threads,
/// seed): two results are comparable when these are equal.
nlohmann::json comparable_workload(const nlohmann::json& workload);

/// Sparse [index, count] pairs of a histogram, and back (into the same layout): `pairs` is any
/// range of (index, count), a series' `hist` or a map of them.
std::vector<std::pair<std::uint32_t, std::uint64_t>> sparse_counts(const Histogram& h);
template <class Pairs>
void add_sparse(Histogram& into, const Pairs& pairs) {
  for (const auto& [i, n] : pairs) into.add_to_bucket(i, n);
}
template <class Pairs>
Histogram from_sparse(const Pairs& pairs) {
  Histogram h;
  add_sparse(h, pairs);
  return h;
}

}  // namespace lab
