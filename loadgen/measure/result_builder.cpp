#include "loadgen/measure/result_builder.h"

#include <algorithm>

#include "common/environment.h"
#include "common/format.h"
#include "loadgen/pacing/load_model.h"

namespace lab {

namespace {

// The seconds in which the client, busy, was late (lag p99 over the limit). Too few of them to have
// limited the run (under a tenth of its seconds, none in a run of under ten): the run is not
// client-bound; the note says which share of it was the client's (a fresh machine's burst of
// other work once made a 60 s run that kept 99.9% of its schedule "CLIENT-BOUND" for one second).
// True when the lateness is only such a note.
bool late_in_proportion(const RunSettings& s, const Collector& col, ClientHealth& c) {
  std::uint64_t worst = 0;
  for (const std::uint64_t p99 : col.busy_lag_by_second())
    if (ns_to_ms(p99) > s.max_client_lag_ms) {
      ++c.late_s;
      worst = std::max(worst, p99);
    }
  const int seconds = std::max(1, col.seconds());
  if (c.late_s == 0 || c.late_s * 10 >= seconds) return false;
  c.note = "client late in " + std::to_string(c.late_s) + " s of " + std::to_string(seconds) + " (" +
           fixed(ns_to_ms(worst), "%.0f") + " ms); those seconds' latencies are the client's";
  return true;
}

// Responses the ring reaps in batches wait up to 50 us by design: only a longer wait, and one
// over --max-client-lag, is the client's delay.
constexpr double kReapFloorMs = 1.0;
// ... and over enough responses for a p99 to mean something (a run of a few think-time requests
// has one response's luck as its p99: under ASan one start-up reap of 2.9 ms did it).
constexpr std::uint64_t kReapMinResponses = 50;

// The client is the limit only on its own evidence: its load threads busy nearly all the run,
// or late for its schedule in the seconds it was busy. Lateness while it idled (a burst of the
// server's timeouts handled at once, a server that holds its connections) is the server's doing.
ClientHealth client_health(const RunSettings& s, const RunFacts& f, const Collector& col, int threads) {
  const Interval& total = col.total();
  ClientHealth c;
  c.threads = threads;
  c.cpu_s = f.cpu_s;
  c.cpu_pct = f.duration_s > 0 ? 100.0 * f.cpu_s / (f.duration_s * c.threads) : 0;
  if (total.lag.count()) c.lag_p99_ms = ns_to_ms(total.lag.percentile(99));
  c.lag_max_ms = ns_to_ms(total.lag_max_ns);
  if (col.busy_lag().count()) c.busy_lag_p99_ms = ns_to_ms(col.busy_lag().percentile(99));
  c.busy_s = col.busy_s();
  if (total.reap.count()) {
    c.reap_p99_ms = ns_to_ms(total.reap.percentile(99));
    c.reap_max_ms = ns_to_ms(total.reap_max_ns);
  }
  // Busy: on a CPU or runnable and waiting for one (a thread starved by other work on its CPU is
  // as much the limit as one that computes); the process's CPU where the threads' times are unknown.
  const double busy_pct = 100 * col.busy_share().value_or(c.cpu_pct / 100);
  if (busy_pct >= 90) {
    c.bound = true;
    c.bound_by = "busy";
    c.reason = "the load threads were busy " + fixed(busy_pct, "%.0f") + "% of the run (on a CPU " +
               fixed(100 * col.cpu_share().value_or(c.cpu_pct / 100), "%.0f") +
               "%, the rest waiting for one): the client may be the limit";
  } else if (c.busy_lag_p99_ms && *c.busy_lag_p99_ms > s.max_client_lag_ms && !late_in_proportion(s, col, c)) {
    c.bound = true;
    c.bound_by = "lag";
    c.reason = "requests started " + fixed(*c.busy_lag_p99_ms, "%.1f") + " ms late (p99 over the " +
               fixed(c.busy_s, "%.0f") + " s its load threads were at least " +
               fixed(100 * Collector::kBusyShare, "%.0f") + "% busy; limit " + fixed(s.max_client_lag_ms, "%g") +
               " ms): the client fell behind its schedule";
  } else if (c.reap_p99_ms && total.reap.count() >= kReapMinResponses &&
             *c.reap_p99_ms > std::max(s.max_client_lag_ms, kReapFloorMs)) {
    // Idle or not: a response in the kernel that the client did not read is the client's delay
    // (round 4: the ring's lost wake-up held every response 13-24 ms at 1% CPU).
    c.bound = true;
    c.bound_by = "reap";
    c.reason = "responses sat " + fixed(*c.reap_p99_ms, "%.1f") +
               " ms in the kernel before the client read them (p99; "
               "worst " +
               fixed(*c.reap_max_ms, "%.1f") + " ms; limit " +
               fixed(std::max(s.max_client_lag_ms, kReapFloorMs), "%g") +
               " ms): the client's I/O path was late, not the server";
  }
  return c;
}

}  // namespace

Result build_result(const RunSettings& s, const RunFacts& f, const Collector& c) {
  const Workload& wl = s.workload;
  const Interval& t = c.total();
  Result r;
  r.tool = tool_info("loadgen");
  r.label = wl.label;
  r.interrupted = f.interrupted;
  r.started_at = f.started_at;
  r.command_line = s.command_line;
  r.workload = workload_json(wl);
  add_redacted(r.workload, s.redacted);
  r.workload["abort_after_s"] = std::chrono::duration<double>(s.abort_after).count();
  r.environment = f.environment;
  if (wl.sharded()) {
    ShardInfo sh;
    sh.index = wl.shard_index;
    sh.count = wl.shard_count;
    sh.start_at = wl.start_at_text;
    // The run's identity: given, else the instant all its shards start at.
    sh.run_id = !wl.run_id.empty() ? wl.run_id : wl.start_at ? "start-at " + wl.start_at_text : "";
    sh.complete = !f.interrupted && f.early_stop.empty() && f.stopped.empty();  // not stopped early either
    sh.start_epoch_s = f.start_epoch_s;
    sh.start_skew_ms = f.start_skew_ms;
    r.shard = sh;
  }

  Summary sum;
  sum.requests = t.requests;
  sum.failures = t.failures;
  sum.duration_s = f.duration_s;
  sum.bytes_received = t.bytes;
  sum.lag_max_ms = ns_to_ms(t.lag_max_ns);
  sum.in_flight_at_stop = f.in_flight_at_stop;
  sum.users_spawned = f.users_spawned;
  const LoadModel& model = f.model ? *f.model : load_model(wl.mode);
  const double share = static_cast<double>(wl.own_users()) / wl.users;
  sum.ideal_requests =
      model.ideal_requests(wl, ScheduleFacts{f.duration_s, &f.activations_s, share, f.plan ? &*f.plan : nullptr});
  if (model.open_loop()) sum.unsent = t.unsent;
  for (std::size_t i = 0; i < t.status.size(); ++i)
    if (t.status[i]) sum.status_codes[static_cast<int>(i) + kFirstStatus] = t.status[i];
  sum.finish(t.latency);
  r.summary = sum;
  r.histogram = t.latency;
  r.failed_histogram = t.failed;
  if (model.open_loop()) {
    r.uncorrected_latency = LatencySummary::of(t.uncorrected);
    r.uncorrected_histogram = t.uncorrected;
  }
  if (wl.scenario.from_file()) {
    for (std::size_t i = 0; i < wl.scenario.requests.size(); ++i) {
      const ScenarioRequest& sr = wl.scenario.requests[i];
      EndpointStats e;
      e.name = sr.name;
      e.method = sr.spec.method;
      e.path = sr.target;
      if (i < t.names.size()) {
        const NameInterval& n = t.names[i];
        e.requests = n.requests;
        e.failures = n.failures;
        e.bytes_received = n.bytes;
        e.status_codes = n.status;
        e.histogram = n.latency;
        e.failed_histogram = n.failed;
      }
      e.errors = c.errors(static_cast<int>(i));
      r.endpoints.push_back(std::move(e));
    }
  }
  PhaseHistograms phases = c.phases();
  for (std::size_t i = 0; i < kPhases.size(); ++i)
    if (phases[i].count()) r.timings[kPhases[i]] = std::move(phases[i]);
  r.client = client_health(s, f, c, f.threads);
  r.series = c.series();
  if (f.server_cpu) {  // the service demand: the server's CPU per request completed (the utilization law)
    r.server_cpu = f.server_cpu;
    if (f.duration_s > 0) r.server_cpu->cpus = r.server_cpu->usage_s / f.duration_s;
    if (t.requests > 0) r.server_cpu->us_per_request = r.server_cpu->usage_s * 1e6 / static_cast<double>(t.requests);
  }
  r.control = f.control;
  r.flow = f.flow;
  r.stopped = f.stopped;
  r.errors = c.errors();
  for (const auto& spec : s.thresholds) r.thresholds.push_back(evaluate(spec, r));

  if (f.not_started) {  // nothing was sent: no verdict on the server
    r.status = "not_started";
    r.error = f.early_stop;
    r.summary->ideal_requests.reset();
    r.summary->schedule_fidelity.reset();
    return r;
  }
  const std::string why = no_success_reason(r);
  if (!why.empty()) {
    r.status = "failed";
    r.error = f.early_stop.empty() ? why : f.early_stop + ": " + why;
  }
  return r;
}

std::string no_success_reason(const Result& r) {
  if (!r.summary || r.summary->successes > 0) return {};
  const Summary& s = *r.summary;
  if (s.requests == 0)
    return "no request completed within the run (" + std::to_string(s.in_flight_at_stop) +
           " still waiting at the end): the server never answered";
  const ErrorEntry* top = nullptr;
  for (const auto& e : r.errors)
    if (!top || e.count > top->count) top = &e;
  std::string what = "no request succeeded: " + commas(static_cast<double>(s.failures)) + " failed";
  if (!top) return what;
  what += ", " + commas(static_cast<double>(top->count)) + " of them " + top->kind + " (e.g. " + top->example + ")";
  const WorkloadView w = workload_view(r.workload);
  if (top->kind == "connection_refused")
    what += ". Nothing is listening at " + w.url + ": is the server running?";
  else if (top->kind == "tls_response")
    what += ". The port speaks TLS: use an https:// URL";
  else if (top->kind == "connect_timeout")
    what += ". The connections never completed: is the address reachable?";
  else if (top->kind.rfind("http_", 0) == 0)
    what += ". Every response was unexpected (success is " + workload_view(r.workload).expect_status +
            "; --expect-status changes that)";
  return what;
}

}  // namespace lab
