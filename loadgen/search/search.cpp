#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "common/environment.h"
#include "loadgen/search/search.h"
#include "common/format.h"
#include "loadgen/workload/redact.h"

namespace lab {

namespace {

using Clock = std::chrono::steady_clock;

double ms_of(std::uint64_t ns) { return static_cast<double>(ns) / 1e6; }

std::string limit_text(const ThresholdSpec& t) {
  std::string unit = t.metric == "errors" ? (t.percent ? "%" : "") : t.metric == "rps" ? " req/s" : " ms";
  return fixed(t.limit, "%g") + unit;
}

// Per request name (an SLO such as p99{name=checkout}=200ms): the name's rows of the same seconds.
struct NameWindow {
  Histogram h;
  std::uint64_t requests = 0, failures = 0;
};

// The SLO's objectives on the window: errors (0.1% unless one is given) and latency, the run's
// or a name's; each one missed is a reason in `st.failed`.
void judge_objectives(const std::vector<ThresholdSpec>& slo, const Histogram& h,
                      const std::map<std::string, NameWindow>& names, std::uint64_t failures, CapacityStep& st) {
  bool errors_given = false;
  for (const auto& t : slo) {
    if (t.metric != "errors") continue;
    const NameWindow* nw = t.name.empty() ? nullptr : &names.at(t.name);
    if (!nw) errors_given = true;  // a name's limit leaves the run's default in place
    const std::uint64_t reqs = nw ? nw->requests : st.requests, fails = nw ? nw->failures : failures;
    const double pct = reqs ? 100.0 * static_cast<double>(fails) / static_cast<double>(reqs) : 0;
    const double v = t.percent ? pct : static_cast<double>(fails);
    if (v > t.limit)
      st.failed.push_back("errors" + (nw ? "{name=" + t.name + "}" : std::string()) + ": " + fixed(v, "%.3g") +
                          (t.percent ? "%" : "") + " > " + limit_text(t));
  }
  if (!errors_given && st.error_pct > 0.1)
    st.failed.push_back("errors: " + fixed(st.error_pct, "%.3g") + "% > 0.1% (default)");
  for (const auto& t : slo) {
    if (t.metric == "errors" || t.metric == "rps" || t.metric == "fidelity") continue;
    const Histogram& hw = t.name.empty() ? h : names.at(t.name).h;
    const std::string what = t.metric + (t.name.empty() ? "" : "{name=" + t.name + "}");
    OptDouble v;
    if (t.metric == "avg")
      v = hw.count() ? OptDouble(hw.mean() / 1e6) : std::nullopt;
    else if (t.metric == "max")
      v = hw.count() ? OptDouble(ms_of(hw.max())) : std::nullopt;
    else if (t.metric == "min")
      v = hw.count() ? OptDouble(ms_of(hw.min())) : std::nullopt;
    else if (hw.count())
      v = ms_of(hw.percentile(std::strtod(t.metric.c_str() + 1, nullptr)));
    if (!v)
      st.failed.push_back("latency: no " + what + " (nothing succeeded)");
    else if (*v > t.limit)
      st.failed.push_back("latency: " + what + " " + ms(v) + " ms > " + limit_text(t));
  }
}

}  // namespace

CapacityStep judge_step(const Result& r, double rate, double warmup_s, const std::vector<ThresholdSpec>& slo,
                        const CapacityStep* first_pass, double reap_limit_ms) {
  CapacityStep st;
  st.rate = rate;
  st.result = to_json(r);
  Histogram h;
  double dur = 0;
  std::uint64_t failures = 0;
  const SeriesPoint* first = nullptr;
  const SeriesPoint* last = nullptr;
  std::map<std::string, NameWindow> names;
  for (const auto& t : slo)
    if (!t.name.empty()) names.try_emplace(t.name);
  double server_s = 0;
  double throttled_s = 0;
  bool server_seen = true;
  double reap_max_ms = 0;  // the ring: the longest a response sat unread in the window
  for (const auto& p : r.series) {
    if (p.t <= warmup_s + 1e-9) continue;
    if (!first) first = &p;
    last = &p;
    reap_max_ms = std::max(reap_max_ms, p.reap_max_ms.value_or(0));
    if (p.server_cpu_s) {
      server_s += *p.server_cpu_s;
      throttled_s += p.server_throttled_s.value_or(0);
    } else {
      server_seen = false;  // a second not read: no demand rather than a part of one
    }
    st.requests += p.requests;
    failures += p.failures;
    dur += p.length_s;
    add_sparse(h, p.hist);
    for (const auto& n : p.names)
      if (auto it = names.find(n.name); it != names.end()) {
        it->second.requests += n.requests;
        it->second.failures += n.failures;
        add_sparse(it->second.h, n.hist);
      }
  }
  st.achieved_rps = dur > 0 ? static_cast<double>(st.requests) / dur : 0;
  st.error_pct = st.requests ? 100.0 * static_cast<double>(failures) / static_cast<double>(st.requests) : 0;
  if (h.count()) {
    st.p50_ms = ms_of(h.percentile(50));
    st.p95_ms = ms_of(h.percentile(95));
    st.p99_ms = ms_of(h.percentile(99));
    st.mean_ms = h.mean() / 1e6;
  }
  if (r.uncorrected_latency) st.service_mean_ms = r.uncorrected_latency->avg_ms;
  if (first && server_seen && dur > 0) {  // the utilization law over the window: D = U / X
    st.server_cpus = server_s / dur;
    st.server_throttled_s = throttled_s;
    if (st.requests > 0) st.server_us_per_request = server_s * 1e6 / static_cast<double>(st.requests);
  }
  if (first && last) st.late_growth_ms = last->late_ms - first->late_ms;

  // The client's health is judged on the window, as the SLO is: responses read late only in the
  // warm-up are the users' connections being made (a thousand connecting at once keep the
  // client busy for its first second), not the step's rate. The other evidence (busy, behind its
  // schedule while busy) the run already weighs by the seconds it held in.
  const bool late_reads_outside_window = r.client.bound_by == "reap" && reap_max_ms <= reap_limit_ms;
  if (r.client.bound && !late_reads_outside_window) {
    st.client_bound = true;
    st.failed.push_back("client: " + r.client.reason);
  }
  if (st.requests == 0) {
    st.failed.push_back("stall: no response completed in the measured window");
  }
  judge_objectives(slo, h, names, failures, st);
  if (rate > 0) {
    // Within 2% of the offered rate; one request of slack absorbs the window's edge at low
    // rates (a request sent in the window may complete just after it).
    if (static_cast<double>(st.requests) + 1 < 0.98 * rate * dur) {
      // Few connections, none of them queueing: they, not the server, cap what can be offered
      // (each sends one request at a time: at most connections / latency per second).
      const double conns = workload_view(r.workload).users;
      const bool no_queueing = first_pass && first_pass->service_mean_ms && st.service_mean_ms &&
                               *st.service_mean_ms < 2 * *first_pass->service_mean_ms;
      const double carry = st.service_mean_ms && *st.service_mean_ms > 0 ? conns / (*st.service_mean_ms / 1000) : 0;
      if (no_queueing && carry > 0 && carry < 1.05 * rate) {
        st.client_bound = true;
        st.failed.insert(st.failed.begin(), "connections: " + fixed(conns, "%.0f") + " connections at " +
                                                ms(st.service_mean_ms) + " ms per request carry at most " +
                                                commas(carry) + " req/s; use more (-u)");
      }
      st.failed.push_back("throughput: achieved " + rps_text(st.achieved_rps) + "/s of " + rps_text(rate) +
                          "/s offered (" + fixed(100 * st.achieved_rps / rate, "%.1f") + "%)");
    }
    const double allowed = std::max(2.0, 0.5 * st.p50_ms.value_or(0));
    if (last && st.late_growth_ms > allowed && last->late_ms > 2)
      st.failed.push_back("backlog: sends ran " + fixed(last->late_ms, "%.1f") + " ms late at the end of the window (" +
                          fixed(first->late_ms, "%.1f") + " at its start)");
  }
  st.passed = st.failed.empty();
  if (!st.passed) st.limit = st.failed.front().substr(0, st.failed.front().find(':'));
  return st;
}

namespace {

class Search {
 public:
  explicit Search(const CapacitySettings& s) : s_(s), t0_(Clock::now()) {}

  CapacityDoc run() {
    d_.tool = tool_info("loadgen");
    d_.label = s_.base.workload.label;
    d_.workload_name = s_.workload_name;
    d_.started_at = utc_timestamp();
    d_.url = redact_url(s_.base.workload.url);
    d_.workload = workload_json(s_.base.workload);
    add_redacted(d_.workload, s_.base.redacted);
    for (const auto& t : s_.slo) d_.slo.push_back(t.expr);
    d_.command_line = s_.command_line;
    d_.settings = {{"start_rate", s_.start_rate},
                   {"max_rate", s_.max_rate},
                   {"growth", s_.growth},
                   {"resolution", s_.resolution},
                   {"warmup_s", secs(s_.warmup)},
                   {"measure_s", secs(s_.measure)},
                   {"budget_s", secs(s_.budget)},
                   {"sweep", s_.sweep},
                   {"sweep_step_s", secs(s_.sweep_step)},
                   {"think_min_s", s_.think_min_s},
                   {"think_max_s", s_.think_max_s},
                   {"confirm_users", s_.confirm_users}};
    d_.environment = environment_info();
    if (!sweep()) return finish("interrupted");
    search();
    if (d_.status == "found" || d_.status == "max_rate" || d_.status == "client_bound" || d_.status == "budget")
      users();
    d_.elapsed_s = secs(Clock::now() - t0_);
    return d_;
  }

 private:
  static double secs(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
  // As the run's own verdict on late reads (result_builder.cpp): --max-client-lag, at least 1 ms.
  double reap_limit_ms() const { return std::max(s_.base.max_client_lag_ms, 1.0); }

  void say(const std::string& line) const {
    if (!s_.base.quiet)
      std::fprintf(stderr, "capacity[%s]: %s\n", d_.label.empty() ? d_.url.c_str() : d_.label.c_str(), line.c_str());
  }

  // One run of the search; a watcher (the live view) sees it as a run titled `title` (a probe,
  // a moment long, has none).
  RunResult run(RunSettings rs, const std::string& title = "") {
    rs.quiet = true;
    rs.progress = ProgressMode::kNever;
    rs.live_title = title;
    if (title.empty()) rs.observers.clear();
    RunResult r = run_load(rs);
    if (r.interrupted) interrupted_ = true;
    if (r.preflight_error.empty()) end_outputs(rs.observers, r.result);
    return r;
  }

  // One request at a time for a moment: its median latency, or nullopt when nothing came back.
  std::optional<double> probe() {
    RunSettings rs = s_.base;
    rs.workload.mode = LoadMode::kMax;
    rs.workload.users = 1;
    rs.workload.threads = 1;
    rs.workload.run_time = std::chrono::milliseconds(100);
    rs.abort_after = std::chrono::nanoseconds(0);
    const RunResult r = run(rs);
    if (!r.result.summary || r.result.summary->successes == 0) return std::nullopt;
    return r.result.summary->latency.p(50);
  }

  // Waits until the target answers as fast as it did idle (within 2x and 1 ms), at most 30 s:
  // a run that overloaded it leaves a queue of abandoned requests it still serves. Returns the
  // time waited.
  double settle() {
    const auto start = Clock::now();
    for (int i = 0; i < 300 && !interrupted_; ++i) {
      const auto p50 = probe();
      if (!baseline_) {
        baseline_ = p50.value_or(1);
        break;
      }
      if (p50 && *p50 <= 2 * *baseline_ + 1) break;
      if (Clock::now() - start > std::chrono::seconds(30)) {
        say("the target did not drain within 30 s; going on");
        break;
      }
    }
    return secs(Clock::now() - start);
  }

  // The closed-loop concurrency sweep and its USL fit. False when interrupted.
  bool sweep() {
    settle();  // the idle baseline
    for (int n : s_.sweep) {
      settle();
      RunSettings rs = s_.base;
      rs.workload.mode = LoadMode::kMax;
      rs.workload.users = n;
      rs.workload.threads = rs.workload.load_threads();
      rs.workload.run_time = s_.sweep_step;
      rs.abort_after = std::chrono::nanoseconds(0);
      const RunResult r = run(rs, "sweep: " + std::to_string(n) + " connections, closed loop");
      if (interrupted_) return false;
      if (!r.preflight_error.empty()) {
        say("sweep at " + std::to_string(n) + " connections skipped: " + r.preflight_error);
        continue;
      }
      const Summary& sm = *r.result.summary;
      const double x = sm.duration_s > 0 ? static_cast<double>(sm.successes) / sm.duration_s : 0;
      d_.sweep.push_back({static_cast<double>(n), x});
      say("sweep " + std::to_string(n) + " connections: " + commas(x) + " req/s");
    }
    d_.usl = fit_usl(d_.sweep);
    return true;
  }

  // Runs one open-loop step; nullptr when the budget is spent or the run was interrupted.
  const CapacityStep* step(double rate, const char* phase) {
    if (Clock::now() - t0_ + s_.warmup + s_.measure > s_.budget) return nullptr;
    if (!baseline_) settle();
    const double settled = settle();
    RunSettings rs = s_.base;
    rs.workload.mode = LoadMode::kRate;
    rs.workload.rate = rate;
    rs.workload.run_time = s_.warmup + s_.measure;
    rs.abort_after = std::chrono::nanoseconds(0);
    const RunResult r =
        run(rs, "step " + std::to_string(d_.steps.size() + 1) + ": " + phase + " at " + rps_text(rate) + " req/s");
    if (interrupted_) return nullptr;
    if (!r.preflight_error.empty()) {
      stop_note_ = "the step at " + rps_text(rate) + " req/s could not start: " + r.preflight_error;
      return nullptr;
    }
    const CapacityStep* first_pass = nullptr;
    for (const auto& st : d_.steps)
      if (st.passed && !first_pass) first_pass = &st;
    CapacityStep st = judge_step(r.result, rate, secs(s_.warmup), s_.slo, first_pass, reap_limit_ms());
    st.phase = phase;
    st.settle_s = settled;
    say("step " + std::to_string(d_.steps.size() + 1) + " " + phase + " " + rps_text(rate) +
        " req/s: " + (st.passed ? "pass" : "FAIL " + st.failed.front()) + " (achieved " + rps_text(st.achieved_rps) +
        "/s, p99 " + ms(st.p99_ms) + " ms, errors " + fixed(st.error_pct, "%.2f") + "%)");
    d_.steps.push_back(std::move(st));
    return &d_.steps.back();
  }

  // A step the client limited brackets the search like a failure (the server's capacity is at
  // least the last pass, and bisecting towards the client's limit raises that bound), but the
  // result then says the client, not the server, was the limit.
  void search() {
    double maxx = 0;
    for (const auto& p : d_.sweep) maxx = std::max(maxx, p.x);
    double rate = s_.start_rate > 0 ? s_.start_rate : (maxx > 0 ? maxx / 2 : 100);
    rate = std::min(rate, s_.max_rate);
    std::optional<std::size_t> lo, hi;
    auto last = [&] { return d_.steps.size() - 1; };
    const CapacityStep* st = step(rate, "staircase");
    if (!st) return set_stop();
    if (st->passed) {
      lo = last();
      for (;;) {  // climb
        const double next = std::min(rate * s_.growth, s_.max_rate);
        if (next <= rate) {
          d_.knee = lo;
          return set_status("max_rate", "passes at the highest rate searched, " + rps_text(s_.max_rate) +
                                            " req/s (--max-rate): the capacity is at least that");
        }
        rate = next;
        if (!(st = step(rate, "staircase"))) return set_stop(lo, hi);
        if (!st->passed) {
          hi = last();
          break;
        }
        lo = last();
      }
    } else {
      hi = last();
      // Descend while a step still holds enough requests to judge (10 in the window).
      for (int tries = 0; tries < 5 && rate / 2 * secs(s_.measure) >= 10; ++tries) {
        rate /= 2;
        if (!(st = step(rate, "below"))) return set_stop(lo, hi);
        if (st->passed) {
          lo = last();
          break;
        }
        hi = last();
      }
      if (!lo) {
        if (d_.steps[*hi].client_bound) return set_client_bound(std::nullopt, *hi);
        d_.first_fail = hi;
        return set_status("below_first_step", "fails even at " + rps_text(d_.steps[*hi].rate) +
                                                  " req/s, the lowest rate tried: " + d_.steps[*hi].failed.front() +
                                                  ". Its capacity under this SLO is below that (not zero): lower "
                                                  "--start-rate to search lower");
      }
    }
    while (d_.steps[*hi].rate / d_.steps[*lo].rate > 1 + s_.resolution) {  // bisect
      const double mid = std::sqrt(d_.steps[*hi].rate * d_.steps[*lo].rate);
      if (!(st = step(mid, "bisect"))) return set_stop(lo, hi);
      if (st->passed)
        lo = last();
      else
        hi = last();
    }
    if (d_.steps[*hi].client_bound) return set_client_bound(lo, *hi);
    d_.knee = lo;
    d_.first_fail = hi;
    const CapacityStep& k = d_.steps[*lo];
    const CapacityStep& f = d_.steps[*hi];
    set_status("found", "sustains " + rps_text(k.rate) + " req/s (p99 " + ms(k.p99_ms) + " ms); at " +
                            rps_text(f.rate) + " req/s it fails first on " + f.failed.front());
  }

  void set_status(const std::string& status, const std::string& verdict) {
    d_.status = status;
    d_.verdict = verdict;
    say(status + ": " + verdict);
  }

  void set_client_bound(std::optional<std::size_t> lo, std::size_t hi) {
    d_.knee = lo;
    d_.first_fail = hi;
    const CapacityStep& f = d_.steps[hi];
    set_status("client_bound", "the load generator, not the server, limited the step at " + rps_text(f.rate) +
                                   " req/s (" + f.failed.front() + ")" +
                                   (lo ? "; the server sustains at least " + rps_text(d_.steps[*lo].rate) + " req/s"
                                       : "; nothing can be said of the server's capacity"));
  }

  void set_stop(std::optional<std::size_t> lo = std::nullopt, std::optional<std::size_t> hi = std::nullopt) {
    d_.knee = lo;
    d_.first_fail = hi;
    if (interrupted_) return set_status("interrupted", "interrupted before the search ended");
    if (!stop_note_.empty()) return set_status("not_run", stop_note_);
    std::string v = "the budget (" + fixed(secs(s_.budget), "%g") + " s) ran out";
    if (lo) v += "; sustains at least " + rps_text(d_.steps[*lo].rate) + " req/s";
    if (hi) v += "; fails at " + rps_text(d_.steps[*hi].rate) + " req/s";
    set_status("budget", v);
  }

  CapacityDoc finish(const std::string& status) {
    d_.status = status;
    d_.verdict = status == "interrupted" ? "interrupted before the search ended" : status;
    d_.elapsed_s = secs(Clock::now() - t0_);
    return d_;
  }

  // Little's law: the think-time users the knee corresponds to; optionally confirmed by one
  // users-mode run of that size (bounded by the open-file limit, which is said when it binds).
  void users() {
    const CapacityStep* k = d_.knee_step();
    if (!k || !k->mean_ms) return;
    UsersEstimate u;
    u.think_mean_s = (s_.think_min_s + s_.think_max_s) / 2;
    u.response_s = *k->mean_ms / 1000;
    u.users = k->rate * (u.think_mean_s + u.response_s);
    if (s_.confirm_users && !interrupted_) confirm(u);
    d_.users = u;
  }

  void confirm(UsersEstimate& u) {
    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    const double fd_room = static_cast<double>(rl.rlim_max) - 64 - 16.0 * s_.base.workload.threads;
    u.users_run = static_cast<int>(std::min(u.users, std::max(1.0, fd_room)));
    if (u.users_run < static_cast<int>(u.users))
      u.limited_by = "the open-file limit (" + std::to_string(rl.rlim_max) + "): " + commas(u.users) +
                     " users would need as many sockets";
    RunSettings rs = s_.base;
    rs.workload.mode = LoadMode::kUsers;
    rs.workload.users = u.users_run;
    rs.workload.spawn_rate = u.users_run / secs(s_.confirm_ramp);
    rs.workload.wait_min_s = s_.think_min_s;
    rs.workload.wait_max_s = s_.think_max_s;
    rs.workload.run_time = s_.confirm_ramp + s_.confirm_measure;
    const RunResult r = run(rs, "confirming: " + commas(u.users_run) + " users thinking " +
                                    fixed(s_.think_min_s, "%g") + "-" + fixed(s_.think_max_s, "%g") + " s");
    if (interrupted_ || !r.preflight_error.empty()) {
      u.verdict = interrupted_ ? "interrupted" : "not run: " + r.preflight_error;
      return;
    }
    u.confirmed_run = true;
    const Summary& sm = *r.result.summary;
    u.offered_rps = sm.ideal_requests.value_or(0) / std::max(sm.duration_s, 1e-9);
    u.achieved_fidelity = sm.schedule_fidelity.value_or(0);
    const CapacityStep w = judge_step(r.result, 0, secs(s_.confirm_ramp), s_.slo, nullptr, reap_limit_ms());
    u.p99_ms = w.p99_ms;
    u.passed = w.passed && u.achieved_fidelity >= 0.98;
    u.verdict = std::string(u.passed ? "confirmed" : "NOT confirmed") + ": " + commas(u.users_run) + " users, " +
                fixed(100 * u.achieved_fidelity, "%.1f") + "% of their schedule, p99 " + ms(w.p99_ms) + " ms" +
                (w.passed ? "" : "; " + w.failed.front()) +
                (u.limited_by.empty() ? "" : "; limited by " + u.limited_by);
    say("users: " + u.verdict);
  }

  const CapacitySettings& s_;
  const Clock::time_point t0_;
  CapacityDoc d_;
  bool interrupted_ = false;
  std::string stop_note_;           // why a step could not start
  std::optional<double> baseline_;  // the idle target's median latency (ms), one at a time
};

}  // namespace

CapacityDoc find_capacity(const CapacitySettings& s) { return Search(s).run(); }

}  // namespace lab
