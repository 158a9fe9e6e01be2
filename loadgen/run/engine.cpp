#include "loadgen/run/engine.h"

#include <fstream>
#include <sstream>

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <atomic>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/environment.h"
#include "common/net.h"
#include "loadgen/run/plan.h"
#include "loadgen/measure/progress.h"
#include "loadgen/workload/redact.h"
#include "loadgen/measure/result_builder.h"
#include "common/format.h"
#include "loadgen/run/preflight.h"
#include "loadgen/run/resolve.h"
#include "loadgen/run/steering.h"
#include "loadgen/measure/server_cpu.h"
#include "loadgen/workload/shard.h"
#include "loadgen/run/worker.h"

namespace lab {

namespace {

// SIGINT/SIGTERM: the first ends the run (the result is written, marked interrupted) and stays
// set for the rest of the process (a capacity search stops between its runs too); a second one
// ends the process at once, whatever it is doing.
std::atomic<int> g_signals{0};
void on_signal(int) {
  if (g_signals.fetch_add(1) >= 1) {
    static const char kMsg[] = "\nloadgen: interrupted again: exiting now, without a result\n";
    [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, kMsg, sizeof kMsg - 1);
    ::_exit(130);
  }
}

void install_signals() {
  static std::atomic<bool> installed{false};
  if (installed.exchange(true)) return;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGINT, &sa, nullptr) != 0 || sigaction(SIGTERM, &sa, nullptr) != 0)
    std::perror("loadgen: sigaction (Ctrl-C will not stop the run cleanly)");
}

bool g_interrupted_now() { return g_signals.load() > 0; }

double process_cpu_s() {
  rusage ru{};
  if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

}  // namespace

bool interrupted() { return g_interrupted_now(); }

void catch_interrupts() { install_signals(); }

namespace {

// Operations a thread's ring holds before it is entered (more wait in the kernel's hands: a full
// queue is submitted and refilled).
constexpr unsigned kRingEntries = 4096;

// One run, as its phases: prepare (preflight, resolve, build the requests and TLS, fix the
// origin), start the workers, wait for the start, tick once a second until the end, stop the
// workers, and build the result. The load model is resolved here once and handed on.
class LoadRun {
 public:
  explicit LoadRun(const RunSettings& s)
      : s_(s), wl_(s.workload), model_(load_model(wl_.mode)), threads_(wl_.load_threads()),
        plan_(initial_plan(wl_, model_, s_.steering != nullptr)) {
    if (s_.steering) shared_plan_ = std::make_unique<SharedPlan>(plan_);
  }

  // "" or why the run cannot start.
  std::string prepare() {
    facts_.environment = environment_info();
    if (std::string why = preflight(wl_, s_.reserved_fds, facts_.environment); !why.empty()) return why;
    if (std::string why = find_server_cgroup(); !why.empty()) return why;
    max_users_ = s_.steering ? steerable_users(wl_) : wl_.users;
    std::string err;
    addresses_ = resolve(wl_.target, err);
    if (addresses_.empty()) return "--host: " + err;
    say_what_the_name_is();
    nlohmann::json listed = nlohmann::json::array();
    for (const auto& a : addresses_) listed.push_back(endpoints_text({a}));
    facts_.environment["target_addresses"] = listed;  // as resolved; the first used unless round-robin
    if (wl_.addresses == AddressPolicy::kFirst) addresses_.resize(1);
    warn_before_run(wl_, model_);
    // The scenario's requests, per --data row: prebuilt where they are few, built as sent where
    // they are many (RequestBook).
    requests_ = std::make_unique<RequestBook>(wl_);
    flow_ = std::make_unique<FlowPlan>(wl_);  // users with state, if the scenario has them
    if (wl_.target.scheme == "https" && !(tls_ = make_tls_context(wl_, err))) return err;
    if (wl_.http2.mode == Http2Options::Mode::kAlpn)
      if (std::string why = probe_alpn(addresses_.front(), *tls_, wl_); !why.empty()) return why;
    if (std::string e = set_origin(); !e.empty()) return e;
    // The client's I/O path (docs/architecture.md, the virtual user): a result says which one
    // measured it.
    return make_workers();
  }

  // The workers, and with the ring path each one's ring (a kernel that refuses one refuses the
  // run with --client-io uring; auto falls back to sockets and says why). The ring serves every
  // load mode: a closed loop's receives are reaped in batches, a paced user's without a wakeup of
  // their own (docs/performance.md: fewer system calls and less CPU per request than the sockets
  // path in both).
  std::string make_workers() {
    bool uring = wl_.target.scheme == "http" && wl_.client_io != ClientIo::kSockets && !wl_.http2.on();
    std::string why_not;
    if (uring) {  // a ring this kernel does not wake us for in time is no path (UringIo::probe_wake)
      double median_us = -1;
      why_not = UringIo::probe_wake(median_us);
      if (median_us >= 0) facts_.environment["client_io_probe_wake_us"] = median_us;
      uring = why_not.empty();
    }
    for (int i = 0; i < threads_; ++i) {
      auto& w = *workers_.emplace_back(std::make_unique<Worker>(wl_, model_, i, origin_, *requests_));
      w.addresses = addresses_;
      w.plan = plan_;
      w.shared_plan = shared_plan_.get();
      w.max_users = max_users_;
      if (flow_->active()) {
        w.flow = flow_.get();
        w.flow_counts = flow_->new_counts();
      }
      if (wl_.scenario.from_file()) {
        w.by_name = true;
        w.stats.set_names(wl_.scenario.requests.size());
      }
      if (wl_.http2.on()) {
        w.path = make_h2_path(w, tls_.get());
      } else if (tls_) {
        w.path = make_tls_path(w, *tls_);
      } else if (uring) {
        auto ring = UringIo::open(w.io, kRingEntries, why_not);
        if (ring)
          w.path = make_uring_path(w, std::move(ring));
        else
          uring = false;
      }
    }
    if (!why_not.empty()) {
      if (wl_.client_io == ClientIo::kUring) return "--client-io uring: " + why_not + " (use --client-io sockets)";
      facts_.environment["client_io_fallback"] = why_not;
    }
    // One path for every thread: a ring refused to any of them is refused to all.
    for (auto& w : workers_)
      if (!wl_.http2.on() && !tls_ && !uring) w->path = make_plain_path(*w);
    facts_.environment["client_io"] = workers_.front()->path->name();
    return {};
  }

  void start_workers() {
    cpu_at_start_ = process_cpu_s();
    std::vector<WorkerStats*> stats;
    for (auto& w : workers_) stats.push_back(&w->stats);
    collector_ = std::make_unique<Collector>(stats);
    if (wl_.scenario.from_file()) {
      std::vector<std::string> names;
      for (const auto& r : wl_.scenario.requests) names.push_back(r.name);
      collector_->set_names(std::move(names));
    }
    for (auto& w : workers_) w->start(threads_);
    for (auto& w : workers_) {
      finished_.push_back(std::make_unique<std::atomic<bool>>(false));
      threads_run_.emplace_back([&w, &done = *finished_.back()] {
        w->stats.attach_thread();
        w->io.run();
        w->stats.detach_thread();
        done.store(true);
      });
    }
  }

  // Until the origin (after any --start-at wait); an interrupt before it means nothing was sent.
  void wait_for_start() {
    while (Clock::now() < origin_ && !g_interrupted_now())
      std::this_thread::sleep_for(std::min<Clock::duration>(origin_ - Clock::now(), std::chrono::milliseconds(20)));
    facts_.start_epoch_s = epoch_seconds(std::chrono::system_clock::now());
    facts_.started_at = utc_timestamp();  // the run's origin
    if (wl_.start_at) facts_.start_skew_ms = 1000.0 * (facts_.start_epoch_s - epoch_seconds(*wl_.start_at));
    if (!s_.observers.empty() && Clock::now() >= origin_) {
      const nlohmann::json h = hello();
      for (RunObserver* o : s_.observers) o->on_start(h);
    }
    if (Clock::now() < origin_) {
      interrupted_ = true;
      facts_.not_started = true;
      facts_.early_stop = "interrupted " +
                          fixed(std::chrono::duration<double>(origin_ - Clock::now()).count(), "%.1f") +
                          " s before the start" + (wl_.start_at ? " (--start-at " + wl_.start_at_text + ")" : "") +
                          ": nothing was sent";
    }
  }

  // Once a second until the end, an interrupt, or an early stop (nothing succeeds).
  void tick_until_end() {
    last_tick_ = origin_;
    if (cgroup_) {  // the server's CPU from the origin on (what it spent before is not the run's)
      server_interval();
      cg_first_ = cg_last_;
    }
    const auto end = origin_ + wl_.run_time;
    while (!facts_.not_started) {
      const auto next = std::min(origin_ + std::chrono::seconds(second_ + 1), end);
      while (Clock::now() < next && !g_interrupted_now() && facts_.stopped.empty()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        steer();
      }
      if (g_interrupted_now()) {
        interrupted_ = true;
        break;
      }
      if (!facts_.stopped.empty()) break;  // stopped on request: the last interval as at the end
      if (next >= end) break;              // the last interval is collected after the workers stop
      ++second_;
      const double len = std::chrono::duration<double>(next - last_tick_).count();
      last_tick_ = next;
      const SeriesPoint& point = collector_->tick(second_, len, active_users(), server_interval());
      progress_.tick(point, *collector_);
      tell_observer(point);
      if (abort_on_failed_threshold()) break;
      // Nothing has succeeded so far, and something has failed: the target is down, refuses, or
      // answers only errors. Say so now rather than after the whole run.
      if (s_.abort_after.count() > 0 && next - origin_ >= s_.abort_after && collector_->successes() == 0 &&
          collector_->total().failures > 0) {
        facts_.early_stop = "stopped after " + std::to_string(second_) + " s";
        break;
      }
    }
    progress_.finish_line();
  }

  // Every user ends on cancellation; if a thread still runs after 5 s, its loop is stopped; one
  // that does not return from a handler within 5 s more is a defect, and the process must not
  // hang. Then the last, partial interval: everything recorded since the last tick.
  void stop_workers() {
    stopped_at_ = Clock::now();
    users_at_stop_ = active_users();
    for (auto& w : workers_) w->stop();
    for (std::size_t i = 0; i < threads_run_.size(); ++i) {
      auto give_up = Clock::now() + std::chrono::seconds(5);
      while (!workers_[i]->io.stopped() && Clock::now() < give_up)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      workers_[i]->io.stop();
      give_up = Clock::now() + std::chrono::seconds(5);
      while (!finished_[i]->load() && Clock::now() < give_up) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      if (!finished_[i]->load()) {
        std::fprintf(stderr, "loadgen: load thread %zu did not stop within 10 s of the end (a defect); exiting\n", i);
        std::_Exit(70);
      }
      threads_run_[i].join();
    }
    const auto last_end = std::min(stopped_at_, origin_ + wl_.run_time);
    const double len = std::chrono::duration<double>(last_end - last_tick_).count();
    if (len > 0) {
      const SeriesPoint& point = collector_->tick(second_ + 1, len, users_at_stop_, server_interval());
      progress_.last(point, *collector_);
      tell_observer(point);
    }
    finish_server_cpu();
  }

  RunResult finish() {
    facts_.duration_s = std::max(0.0, std::min(std::chrono::duration<double>(stopped_at_ - origin_).count(),
                                               std::chrono::duration<double>(wl_.run_time).count()));
    facts_.interrupted = interrupted_;
    facts_.cpu_s = process_cpu_s() - cpu_at_start_;
    facts_.threads = threads_;
    facts_.model = &model_;
    if (shared_plan_) facts_.plan = shared_plan_->get();
    facts_.control = control_;
    if (flow_ && flow_->active()) {
      std::vector<const FlowCounts*> counts;
      for (const auto& w : workers_) counts.push_back(&w->flow_counts);
      facts_.flow = flow_->stats(counts);
    }
    for (auto& w : workers_) {
      facts_.in_flight_at_stop += w->in_flight_at_stop.load();
      w->path->add_facts(facts_.environment);
      for (const auto& u : w->users) facts_.users_spawned += u->started ? 1 : 0;
      facts_.activations_s.insert(facts_.activations_s.end(), w->activations_s.begin(), w->activations_s.end());
    }
    RunResult out;
    out.interrupted = interrupted_;
    out.aborted_by = aborted_by_;
    out.result = build_result(s_, facts_, *collector_);
    return out;
  }

 private:
  // --server-cgroup: where the server's CPU is read, and its first reading.
  std::string find_server_cgroup() {
    if (s_.server_cgroup.empty()) return {};
    std::string mounts;
    std::string err;
    {
      std::ifstream f("/proc/self/mounts");
      std::stringstream ss;
      ss << f.rdbuf();
      mounts = ss.str();
    }
    cgroup_ = find_cgroup(s_.server_cgroup, mounts, err);
    if (!cgroup_) return err;
    if (!read_cpu(*cgroup_, cg_last_, err)) return "--server-cgroup: " + err;
    return {};
  }

  // The server's CPU since the last reading (nullopt without --server-cgroup, or when a reading
  // failed: the run then says so rather than guessing).
  std::optional<ServerInterval> server_interval() {
    if (!cgroup_) return std::nullopt;
    CpuReading now;
    std::string err;
    if (!read_cpu(*cgroup_, now, err)) {
      if (cg_error_.empty()) cg_error_ = err;
      return std::nullopt;
    }
    ServerInterval i{std::max(0.0, now.usage_s - cg_last_.usage_s),
                     std::max(0.0, now.throttled_s - cg_last_.throttled_s)};
    cg_last_ = now;
    return i;
  }

  // The run's total from the first reading at the origin to the last at the end.
  void finish_server_cpu() {
    if (!cgroup_) return;
    if (!cg_error_.empty()) {
      facts_.environment["server_cpu_error"] = cg_error_;
      return;
    }
    ServerCpu c;
    c.cgroup = cgroup_->name;
    c.kind = cgroup_->kind;
    c.usage_s = cg_last_.usage_s - cg_first_.usage_s;
    c.periods = cg_last_.periods - cg_first_.periods;
    c.throttled = cg_last_.throttled - cg_first_.throttled;
    c.throttled_s = cg_last_.throttled_s - cg_first_.throttled_s;
    const CpuLimit l = read_limit(*cgroup_);
    c.limit_cpus = l.cpus;
    c.period_us = l.period_us;
    facts_.server_cpu = c;
  }

  void say_what_the_name_is() const {
    boost::system::error_code literal;
    asio::ip::make_address(wl_.target.host, literal);
    if ((literal || addresses_.size() > 1) && !s_.quiet)
      std::fprintf(stderr, "loadgen: %s is %s; %s\n", wl_.target.host.c_str(), endpoints_text(addresses_).c_str(),
                   addresses_.size() == 1                        ? "using it"
                   : wl_.addresses == AddressPolicy::kRoundRobin ? "using each in turn"
                                                                 : "using the first (--addresses round-robin for all)");
  }

  // Every shard starts at one wall-clock instant (--start-at), then runs on the monotonic clock.
  std::string set_origin() {
    origin_ = Clock::now() + std::chrono::milliseconds(20);  // let the threads start first
    if (!wl_.start_at) return {};
    const auto until = *wl_.start_at - std::chrono::system_clock::now();
    if (until > std::chrono::hours(24)) return "--start-at: '" + wl_.start_at_text + "' is more than a day away";
    if (until > std::chrono::milliseconds(20)) {
      origin_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(until);
      if (!s_.quiet)
        std::fprintf(stderr, "loadgen: shard %d/%d starts at %s (in %.1f s)\n", wl_.shard_index, wl_.shard_count,
                     wl_.start_at_text.c_str(), std::chrono::duration<double>(until).count());
    } else if (until < -std::chrono::seconds(1)) {
      std::fprintf(stderr, "loadgen: warning: --start-at %s passed %.1f s ago; starting now (the skew is recorded)\n",
                   wl_.start_at_text.c_str(), -std::chrono::duration<double>(until).count());
    }
    return {};
  }

  double now_s() const { return std::chrono::duration<double>(Clock::now() - origin_).count(); }

  // Takes the changes the steering holds (the policy: run/steering.h), each recorded in the
  // result and told the observer.
  void steer() {
    if (!s_.steering) return;
    while (auto c = s_.steering->take()) {
      const double t = now_s(), end_s = std::chrono::duration<double>(wl_.run_time).count();
      auto step = steer_step(*c, model_, shared_plan_->get(), t, end_s, max_users_);
      if (!step) continue;  // (the live view refuses what does not apply to the mode)
      if (step->stop) facts_.stopped = "from the live view after " + fixed(t, "%.1f") + " s";
      if (step->plan) shared_plan_->set(*step->plan);
      control_.push_back(step->change);
      for (RunObserver* o : s_.observers) o->on_control(step->change);
    }
  }

  nlohmann::json hello() const {
    nlohmann::json names = nlohmann::json::array();
    for (const auto& r : wl_.scenario.requests) names.push_back({{"name", r.name}, {"method", r.spec.method}});
    nlohmann::json h = {{"label", wl_.label},
                        {"title", s_.live_title},
                        {"url", redact_url(wl_.url)},
                        {"mode", to_string(wl_.mode)},
                        {"workload", workload_json(wl_)},
                        {"names", names},
                        {"started_at", facts_.started_at},
                        {"start_epoch_s", facts_.start_epoch_s},
                        {"run_time_s", std::chrono::duration<double>(wl_.run_time).count()},
                        {"steerable", s_.steering != nullptr},
                        {"max_users", max_users_},
                        {"target", plan_.empty() ? nlohmann::json(nullptr) : nlohmann::json(plan_.target_at(1e-6))}};
    if (!plan_.empty()) h["plan"] = stages_json(plan_);
    return h;
  }

  // --abort-on-fail: the thresholds judged on the run so far, once its delay has passed; the first
  // that fails stops the run (its result says so, and the exit code is 6).
  bool abort_on_failed_threshold() {
    if (!s_.abort_on_fail || s_.thresholds.empty() || Clock::now() - origin_ < *s_.abort_on_fail) return false;
    // the observer's result of this second when it had one made, else one of our own
    const auto r = so_far_ ? so_far_ : std::make_shared<const Result>(build_so_far());
    for (const auto& spec : s_.thresholds) {
      const Threshold t = evaluate(spec, *r);
      if (t.held || !t.actual) continue;  // nothing measured yet is not a failure
      aborted_by_ = spec.expr;
      facts_.stopped = "by --abort-on-fail after " + fixed(now_s(), "%.1f") + " s: threshold " + spec.expr +
                       " failed (measured " + fixed(*t.actual, "%.4g") +
                       (final_once_failed(spec) ? "; it cannot hold again)" : " on the data so far)");
      return true;
    }
    return false;
  }

  Result build_so_far() {
    RunFacts f = facts_;  // what is known so far (nothing the load threads own)
    f.duration_s = std::chrono::duration<double>(std::min(Clock::now(), origin_ + wl_.run_time) - origin_).count();
    f.cpu_s = process_cpu_s() - cpu_at_start_;
    f.threads = threads_;
    f.model = &model_;
    f.control = control_;
    Result r = build_result(s_, f, *collector_);
    r.in_progress = true;  // a snapshot says so: its status is the run's so far, not its end
    return r;
  }

  // The outputs' second: the point, the plan's target now, and the result so far.
  void tell_observer(const SeriesPoint& point) {
    so_far_.reset();
    if (s_.observers.empty()) return;
    auto so_far = std::make_shared<const Result>(build_so_far());
    so_far_ = so_far;
    const Stages plan = shared_plan_ ? shared_plan_->get() : plan_;
    const double target = plan.empty() ? static_cast<double>(point.users) : plan.target_at(point.t);
    for (RunObserver* o : s_.observers) o->on_tick(point, target, so_far);
  }

  int active_users() const {
    int n = 0;
    for (const auto& w : workers_) n += w->active_users.load(std::memory_order_relaxed);
    return n;
  }

  const RunSettings& s_;
  const Workload& wl_;
  const LoadModel& model_;
  const int threads_;
  RunFacts facts_;
  std::vector<asio::ip::tcp::endpoint> addresses_;
  std::unique_ptr<RequestBook> requests_;
  std::unique_ptr<FlowPlan> flow_;
  std::unique_ptr<asio::ssl::context> tls_;
  Clock::time_point origin_{}, last_tick_{}, stopped_at_{};
  double cpu_at_start_ = 0;
  std::optional<CgroupCpu> cgroup_;  // --server-cgroup
  CpuReading cg_first_, cg_last_;    // at the origin; the latest
  std::string cg_error_;             // a reading that failed during the run
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<Collector> collector_;
  std::vector<std::thread> threads_run_;
  std::vector<std::unique_ptr<std::atomic<bool>>> finished_;
  ProgressLine progress_{s_, isatty(STDERR_FILENO) == 1};
  int second_ = 0, users_at_stop_ = 0;
  bool interrupted_ = false;
  Stages plan_;                              // the run's plan at the start (empty: none)
  std::unique_ptr<SharedPlan> shared_plan_;  // a steered run's plan, as it changes
  int max_users_ = 0;
  nlohmann::json control_ = nlohmann::json::array();
  std::shared_ptr<const Result> so_far_;  // this second's, when the observer had one made
  std::string aborted_by_;                // --abort-on-fail's threshold
};

}  // namespace

RunResult run_load(const RunSettings& s) {
  install_signals();
  ignore_sigpipe();
  LoadRun run(s);
  if (std::string why = run.prepare(); !why.empty()) {
    RunResult refused;
    refused.preflight_error = why;
    return refused;
  }
  run.start_workers();
  run.wait_for_start();
  run.tick_until_end();
  run.stop_workers();
  return run.finish();
}

int exit_code(const RunResult& r, bool fail_on_errors) {
  if (r.interrupted) return 130;
  if (r.result.status != "ok") return 5;
  for (const auto& t : r.result.thresholds)
    if (!t.held) return 6;
  if (!r.aborted_by.empty()) return 6;  // stopped for a threshold that failed then (and holds at the end)
  if (fail_on_errors && r.result.summary && r.result.summary->failures > 0) return 1;
  return 0;
}

}  // namespace lab
