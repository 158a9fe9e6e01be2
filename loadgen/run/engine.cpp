#include "loadgen/run/engine.h"

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstdio>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/environment.h"
#include "common/net.h"
#include "loadgen/run/progress.h"
#include "loadgen/run/result_builder.h"
#include "common/format.h"
#include "loadgen/run/preflight.h"
#include "loadgen/run/resolve.h"
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

int active_users(const std::vector<std::unique_ptr<Worker>>& workers) {
  int n = 0;
  for (const auto& w : workers) n += w->active_users.load(std::memory_order_relaxed);
  return n;
}

}  // namespace

bool interrupted() { return g_interrupted_now(); }

RunResult run_load(const RunSettings& s) {
  const Workload& wl = s.workload;
  RunResult out;
  install_signals();
  const int nthreads = std::max(1, std::min(wl.threads, wl.own_users()));
  ignore_sigpipe();
  RunFacts facts;
  facts.environment = environment_info();
  out.preflight_error = preflight(wl, facts.environment);
  if (!out.preflight_error.empty()) return out;
  std::string err;
  const auto endpoints = resolve(wl.target, err);
  if (endpoints.empty()) {
    out.preflight_error = "--host: " + err;
    return out;
  }
  boost::system::error_code literal;
  asio::ip::make_address(wl.target.host, literal);
  if ((literal || endpoints.size() > 1) && !s.quiet)  // a name: say what it resolved to
    std::fprintf(stderr, "loadgen: %s is %s; %s\n", wl.target.host.c_str(), endpoints_text(endpoints).c_str(),
                 endpoints.size() == 1                        ? "using it"
                 : wl.addresses == AddressPolicy::kRoundRobin ? "using each in turn"
                                                              : "using the first (--addresses round-robin for all)");
  nlohmann::json addresses = nlohmann::json::array();
  for (const auto& ep : endpoints) addresses.push_back(endpoints_text({ep}));
  facts.environment["target_addresses"] = addresses;  // as resolved; the first used unless round-robin
  warn_before_run(wl);

  std::vector<WireRequest> requests;  // the scenario's requests, built once
  for (const auto& r : wl.scenario.requests) {
    Url url = wl.target;
    url.target = r.target;
    requests.push_back({build_request(url, r.spec, wl.keepalive), r.spec.method == "HEAD"});
  }
  std::unique_ptr<asio::ssl::context> tls;
  if (wl.target.scheme == "https" && !(tls = make_tls_context(wl, err))) {
    out.preflight_error = err;
    return out;
  }
  const double cpu_at_start = process_cpu_s();
  auto origin = Clock::now() + std::chrono::milliseconds(20);  // let threads start first
  if (wl.start_at) {  // every shard starts at one wall-clock instant, then runs on the monotonic clock
    const auto until = *wl.start_at - std::chrono::system_clock::now();
    if (until > std::chrono::hours(24)) {
      out.preflight_error = "--start-at: '" + wl.start_at_text + "' is more than a day away";
      return out;
    }
    if (until > std::chrono::milliseconds(20)) {
      origin = Clock::now() + std::chrono::duration_cast<Clock::duration>(until);
      if (!s.quiet)
        std::fprintf(stderr, "loadgen: shard %d/%d starts at %s (in %.1f s)\n", wl.shard_index, wl.shard_count,
                     wl.start_at_text.c_str(), std::chrono::duration<double>(until).count());
    } else if (until < -std::chrono::seconds(1)) {
      std::fprintf(stderr, "loadgen: warning: --start-at %s passed %.1f s ago; starting now (the skew is recorded)\n",
                   wl.start_at_text.c_str(), -std::chrono::duration<double>(until).count());
    }
  }
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<WorkerStats*> stats;
  for (int i = 0; i < nthreads; ++i) {
    workers.push_back(std::make_unique<Worker>(wl, i, origin, requests, tls.get()));
    workers.back()->endpoints = endpoints;
    if (wl.scenario.from_file()) {
      workers.back()->by_name = true;
      workers.back()->stats.set_names(wl.scenario.requests.size());
    }
    if (wl.addresses == AddressPolicy::kFirst) workers.back()->endpoints.resize(1);
    stats.push_back(&workers.back()->stats);
  }
  Collector collector(stats);
  for (auto& w : workers) w->start(nthreads);
  std::vector<std::thread> threads;
  std::vector<std::unique_ptr<std::atomic<bool>>> finished;
  for (auto& w : workers) {
    finished.push_back(std::make_unique<std::atomic<bool>>(false));
    threads.emplace_back([&w, &done = *finished.back()] {
      w->stats.attach_thread();
      w->io.run();
      w->stats.detach_thread();
      done.store(true);
    });
  }

  ProgressLine progress(s, isatty(STDERR_FILENO));
  const auto end = origin + wl.run_time;
  int second = 0;
  auto last_tick = origin;
  while (Clock::now() < origin && !g_interrupted_now())
    std::this_thread::sleep_for(std::min<Clock::duration>(origin - Clock::now(), std::chrono::milliseconds(20)));
  facts.start_epoch_s = epoch_seconds(std::chrono::system_clock::now());
  facts.started_at = utc_timestamp();  // the run's origin (after any --start-at wait)
  if (wl.start_at) facts.start_skew_ms = 1000.0 * (facts.start_epoch_s - epoch_seconds(*wl.start_at));
  if (Clock::now() < origin) {  // interrupted while waiting for --start-at: nothing was sent
    out.interrupted = true;
    facts.not_started = true;
    facts.early_stop = "interrupted " + fixed(std::chrono::duration<double>(origin - Clock::now()).count(), "%.1f") +
                       " s before the start" + (wl.start_at ? " (--start-at " + wl.start_at_text + ")" : "") +
                       ": nothing was sent";
  }
  while (!facts.not_started) {
    auto next = std::min(origin + std::chrono::seconds(second + 1), end);
    while (Clock::now() < next && !g_interrupted_now()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (g_interrupted_now()) {
      out.interrupted = true;
      break;
    }
    if (next >= end) break;  // the last interval is collected after the workers stop
    ++second;
    const double len = std::chrono::duration<double>(next - last_tick).count();
    last_tick = next;
    progress.tick(collector.tick(second, len, active_users(workers)), collector);
    // Nothing has succeeded so far, and something has failed: the target is down, refuses, or
    // answers only errors. Say so now rather than after the whole run.
    if (s.abort_after.count() > 0 && next - origin >= s.abort_after && collector.successes() == 0 &&
        collector.total().failures > 0) {
      facts.early_stop = "stopped after " + std::to_string(second) + " s";
      break;
    }
  }
  progress.finish_line();
  const auto stopped_at = Clock::now();
  const int users_at_stop = active_users(workers);
  for (auto& w : workers) w->stop();
  // Every user ends on cancellation; if a thread still runs after 5 s, stop its loop; one that
  // does not return from a handler within 5 s more is a defect, and the process must not hang.
  for (std::size_t i = 0; i < threads.size(); ++i) {
    auto give_up = Clock::now() + std::chrono::seconds(5);
    while (!workers[i]->io.stopped() && Clock::now() < give_up)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    workers[i]->io.stop();
    give_up = Clock::now() + std::chrono::seconds(5);
    while (!finished[i]->load() && Clock::now() < give_up) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (!finished[i]->load()) {
      std::fprintf(stderr, "loadgen: load thread %zu did not stop within 10 s of the end (a defect); exiting\n", i);
      std::_Exit(70);
    }
    threads[i].join();
  }
  // The last interval: everything recorded since the last tick (completions after the end of
  // --run-time were not recorded, so this interval ends at the end or at the stop).
  const auto last_end = std::min(stopped_at, end);
  const double len = std::chrono::duration<double>(last_end - last_tick).count();
  if (len > 0) progress.last(collector.tick(second + 1, len, users_at_stop), collector);

  facts.duration_s = std::max(0.0, std::min(std::chrono::duration<double>(stopped_at - origin).count(),
                                            std::chrono::duration<double>(wl.run_time).count()));
  facts.interrupted = out.interrupted;
  facts.cpu_s = process_cpu_s() - cpu_at_start;
  facts.threads = nthreads;
  for (auto& w : workers) {
    facts.in_flight_at_stop += w->in_flight_at_stop.load();
    for (const auto& u : w->users) facts.users_spawned += u->started ? 1 : 0;
    facts.activations_s.insert(facts.activations_s.end(), w->activations_s.begin(), w->activations_s.end());
  }
  out.result = build_result(s, facts, collector);
  return out;
}

int exit_code(const RunResult& r, bool fail_on_errors) {
  if (r.interrupted) return 130;
  if (r.result.status != "ok") return 5;
  for (const auto& t : r.result.thresholds)
    if (!t.held) return 6;
  if (fail_on_errors && r.result.summary && r.result.summary->failures > 0) return 1;
  return 0;
}

}  // namespace lab
