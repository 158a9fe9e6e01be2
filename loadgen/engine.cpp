#include "loadgen/engine.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <thread>

#include "common/net.h"
#include "common/result_json.h"
#include "loadgen/schedule.h"
#include "loadgen/worker.h"

namespace lab {

namespace {

std::atomic<bool> g_interrupted{false};
void on_signal(int) { g_interrupted.store(true); }

void install_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

std::string build_request(const Workload& w) {
  std::string r = "GET " + w.target.path + " HTTP/1.1\r\nHost: " + w.target.host + ":" +
                  std::to_string(w.target.port) + "\r\nUser-Agent: loadlab-loadgen/" LAB_VERSION "\r\nAccept: */*\r\n";
  if (!w.keepalive) r += "Connection: close\r\n";
  r += "\r\n";
  return r;
}

std::string with_commas(double v) {
  auto n = static_cast<long long>(std::llround(v));
  std::string s = std::to_string(n < 0 ? -n : n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<std::size_t>(i), ",");
  return (n < 0 ? "-" : "") + s;
}

// fds the run may hold at once: one socket per user, plus the process's own.
std::string preflight(const Workload& w, nlohmann::json& env) {
  FdLimit lim = raise_fd_limit();
  const std::uint64_t base = static_cast<std::uint64_t>(count_open_fds() > 0 ? count_open_fds() : 8);
  const std::uint64_t need = static_cast<std::uint64_t>(w.users) + base + 16u * static_cast<std::uint64_t>(w.threads);
  env["fds_needed_estimate"] = need;
  if (need > lim.soft) {
    return "this run needs about " + std::to_string(need) + " file descriptors (" + std::to_string(w.users) +
           " users, one socket each, plus " + std::to_string(need - static_cast<std::uint64_t>(w.users)) +
           " for the process) but the open-file limit is " + std::to_string(lim.soft) + " (hard limit " +
           std::to_string(lim.hard) + "). Fix: lower --users to at most " +
           std::to_string(lim.soft > need - static_cast<std::uint64_t>(w.users) ? lim.soft - (need - static_cast<std::uint64_t>(w.users)) : 0) +
           ", or raise the hard limit (ulimit -Hn, /etc/security/limits.conf) and retry";
  }
  return {};
}

void warn_ports(const Workload& w, bool quiet) {
  if (w.keepalive || quiet) return;
  double conn_rate = 0;
  if (w.mode == LoadMode::kUsers) conn_rate = w.users / std::max(0.001, (w.wait_min_s + w.wait_max_s) / 2);
  else if (w.mode == LoadMode::kRate) conn_rate = w.rate;
  else return;  // max mode: unknown in advance
  unsigned lo = 32768, hi = 60999;
  if (FILE* f = std::fopen("/proc/sys/net/ipv4/ip_local_port_range", "r")) {
    if (std::fscanf(f, "%u %u", &lo, &hi) != 2) lo = 32768, hi = 60999;
    std::fclose(f);
  }
  int tw_reuse = 0;
  if (FILE* f = std::fopen("/proc/sys/net/ipv4/tcp_tw_reuse", "r")) {
    if (std::fscanf(f, "%d", &tw_reuse) != 1) tw_reuse = 0;
    std::fclose(f);
  }
  const double ports = hi - lo + 1;
  const double in_time_wait = conn_rate * 60;  // Linux keeps TIME_WAIT 60 s
  if (in_time_wait > ports && tw_reuse == 0) {
    std::fprintf(stderr,
                 "loadgen: warning: about %.0f new connections/s x 60 s TIME_WAIT = %.0f ports, more than the %.0f "
                 "ephemeral ports (%u-%u) and net.ipv4.tcp_tw_reuse=0; expect out_of_ephemeral_ports errors "
                 "unless the server closes first. Fix: --keepalive, fewer users, or sysctl net.ipv4.tcp_tw_reuse=1\n",
                 conn_rate, in_time_wait, ports, lo, hi);
  }
}

double ms(std::uint64_t ns) { return static_cast<double>(ns) / 1e6; }

nlohmann::json percentiles_json(const Histogram& h) {
  nlohmann::json p = nlohmann::json::object();
  for (double q : kPercentiles) p[percentile_key(q)] = ms(h.percentile(q));
  return p;
}

}  // namespace

RunResult run_load(const RunSettings& s) {
  const Workload& wl = s.workload;
  RunResult out;
  g_interrupted = false;
  install_signals();
  ignore_sigpipe();
  nlohmann::json env = environment_info();
  out.preflight_error = preflight(wl, env);
  if (!out.preflight_error.empty()) return out;
  warn_ports(wl, s.quiet);

  const std::string request = build_request(wl);
  boost::system::error_code ec;
  auto addr = asio::ip::make_address_v4(wl.target.host, ec);
  if (ec) {
    out.preflight_error = "--host: '" + wl.target.host + "' is not an IPv4 address (use e.g. http://127.0.0.1:8080)";
    return out;
  }
  const std::string started_at = utc_timestamp();
  const auto origin = Clock::now() + std::chrono::milliseconds(20);  // let threads start first
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<WorkerStats*> stats;
  for (int i = 0; i < wl.threads; ++i) {
    workers.push_back(std::make_unique<Worker>(wl, i, origin, request));
    workers.back()->endpoint = asio::ip::tcp::endpoint(addr, wl.target.port);
    stats.push_back(&workers.back()->stats);
  }
  Collector collector(stats, wl.mode == LoadMode::kRate);
  for (auto& w : workers) w->start(wl.threads);
  std::vector<std::thread> threads;
  for (auto& w : workers) threads.emplace_back([&w] { w->io.run(); });

  const bool tty = isatty(STDERR_FILENO);
  const bool show = !s.quiet && (s.progress == ProgressMode::kAlways || (s.progress == ProgressMode::kAuto && tty));
  const auto end = origin + wl.run_time;
  int second = 0;
  auto last_tick = origin;
  std::this_thread::sleep_until(origin);
  while (true) {
    auto next = origin + std::chrono::seconds(second + 1);
    if (next > end) next = end;
    while (Clock::now() < next && !g_interrupted) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (g_interrupted) {
      out.interrupted = true;
      break;
    }
    if (next >= end) break;  // the last interval is collected after the workers stop
    ++second;
    int users = 0;
    for (auto& w : workers) users += w->active_users.load(std::memory_order_relaxed);
    const double len = std::chrono::duration<double>(next - last_tick).count();
    last_tick = next;
    const SeriesPoint& p = collector.tick(second, len, users);
    if (show && (tty || second % 5 == 0 || next >= end)) {
      std::fprintf(stderr, "%s%s%s %3d/%.0fs  users %s/%s  %s req/s  p50 %.2f p95 %.2f p99 %.2f ms  fails %s  lag %.1f ms%s",
                   tty ? "\r\033[K" : "", s.progress_prefix.c_str(), s.progress_prefix.empty() ? "" : ":", second,
                   std::chrono::duration<double>(wl.run_time).count(), with_commas(users).c_str(),
                   with_commas(wl.users).c_str(), with_commas(p.rps).c_str(), p.p50_ms, p.p95_ms, p.p99_ms,
                   with_commas(static_cast<double>(p.total_failures)).c_str(), p.lag_max_ms, tty ? "" : "\n");
    }
  }
  if (show && tty) std::fprintf(stderr, "\n");
  const auto stopped_at = Clock::now();
  int users_at_stop = 0;
  for (auto& w : workers) users_at_stop += w->active_users.load();
  for (auto& w : workers) w->stop();
  // Every user ends on cancellation; if a thread still runs after 5 s, stop its loop.
  for (std::size_t i = 0; i < threads.size(); ++i) {
    auto give_up = Clock::now() + std::chrono::seconds(5);
    while (!workers[i]->io.stopped() && Clock::now() < give_up) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    workers[i]->io.stop();
    threads[i].join();
  }
  // The last interval: everything recorded since the last tick (completions after the end of
  // --run-time were not recorded, so this interval ends at the end or at the interruption).
  {
    const auto last_end = std::min(stopped_at, end);
    const double len = std::chrono::duration<double>(last_end - last_tick).count();
    if (len > 0) {
      const SeriesPoint& p = collector.tick(second + 1, len, users_at_stop);
      if (show && !tty)
        std::fprintf(stderr, "%s%s %3d/%.0fs  done: %s requests, %s failures, last second %s req/s p99 %.2f ms\n",
                     s.progress_prefix.c_str(), s.progress_prefix.empty() ? "" : ":", second + 1,
                     std::chrono::duration<double>(wl.run_time).count(), with_commas(static_cast<double>(p.total_requests)).c_str(),
                     with_commas(static_cast<double>(p.total_failures)).c_str(), with_commas(p.rps).c_str(), p.p99_ms);
    }
  }

  // The result document.
  const double duration_s = std::min(std::chrono::duration<double>(stopped_at - origin).count(),
                                     std::chrono::duration<double>(wl.run_time).count());
  const Histogram& h = collector.total();
  nlohmann::json summary = {
      {"requests", collector.requests()},
      {"successes", collector.requests() - collector.failures()},
      {"failures", collector.failures()},
      {"failure_rate", collector.requests() ? static_cast<double>(collector.failures()) / static_cast<double>(collector.requests()) : 0.0},
      {"duration_s", duration_s},
      {"rps", duration_s > 0 ? static_cast<double>(collector.requests()) / duration_s : 0.0},
      {"avg_ms", h.mean() / 1e6},
      {"min_ms", ms(h.min())},
      {"max_ms", ms(h.max())},
      {"percentiles_ms", percentiles_json(h)},
      {"bytes_received", collector.bytes()},
      {"lag_max_ms", ms(collector.lag_max_ns())}};
  std::uint64_t in_flight = 0, spawned = 0;
  for (auto& w : workers) {
    in_flight += w->in_flight_at_stop.load();
    spawned += w->users.size();
  }
  summary["in_flight_at_stop"] = in_flight;
  summary["users_spawned"] = spawned;
  nlohmann::json ideal = nullptr;
  if (wl.mode == LoadMode::kUsers && wl.wait_max_s > 0) {
    IdealUserSchedule sched(wl.wait_min_s, wl.wait_max_s, duration_s);
    double sum = 0;
    for (auto& w : workers)
      for (double s_at : w->spawn_times_s) sum += sched.expected_requests(duration_s - s_at);
    ideal = sum;
  } else if (wl.mode == LoadMode::kRate) {
    ideal = wl.rate * duration_s;
  }
  summary["ideal_requests"] = ideal;
  summary["schedule_fidelity"] =
      ideal.is_null() ? nlohmann::json(nullptr) : nlohmann::json(static_cast<double>(collector.requests()) / ideal.get<double>());

  nlohmann::json series = nlohmann::json::array();
  for (const SeriesPoint& p : collector.series()) {
    series.push_back({{"t", p.t}, {"users", p.users}, {"requests", p.requests}, {"failures", p.failures},
                      {"rps", p.rps}, {"p50_ms", p.p50_ms}, {"p95_ms", p.p95_ms}, {"p99_ms", p.p99_ms},
                      {"lag_avg_ms", p.lag_avg_ms}, {"lag_max_ms", p.lag_max_ms}});
  }
  std::array<WorkerStats::ErrorSeen, static_cast<std::size_t>(ErrorKind::kCount)> seen{};
  for (auto& w : workers) {
    auto ws = w->stats.errors_seen();
    for (std::size_t i = 0; i < seen.size(); ++i) {
      if (ws[i].first_s < 0) continue;
      if (seen[i].first_s < 0 || ws[i].first_s < seen[i].first_s) {
        seen[i].first_s = ws[i].first_s;
        seen[i].example = ws[i].example;
      }
      seen[i].last_s = std::max(seen[i].last_s, ws[i].last_s);
    }
  }
  nlohmann::json errors = nlohmann::json::array();
  for (std::size_t i = 0; i < seen.size(); ++i) {
    if (!collector.errors()[i]) continue;
    errors.push_back({{"kind", to_string(static_cast<ErrorKind>(i))}, {"count", collector.errors()[i]},
                      {"first_s", seen[i].first_s}, {"last_s", seen[i].last_s}, {"example", seen[i].example}});
  }

  nlohmann::json doc = {{"schema", kResultSchema},
                        {"schema_version", kResultSchemaVersion},
                        {"tool", tool_info("loadgen")},
                        {"label", wl.label},
                        {"status", "ok"},
                        {"interrupted", out.interrupted},
                        {"started_at", started_at},
                        {"workload", workload_json(wl)},
                        {"environment", env},
                        {"summary", summary},
                        {"series", series},
                        {"errors", errors},
                        {"histogram", h.to_json()}};
  if (wl.mode == LoadMode::kRate) {
    const Histogram& u = collector.total_uncorrected();
    doc["uncorrected"] = {{"avg_ms", u.mean() / 1e6}, {"percentiles_ms", percentiles_json(u)}, {"histogram", u.to_json()}};
  }
  out.doc = std::move(doc);
  return out;
}

void print_summary_table(const nlohmann::json& doc, std::FILE* f) {
  const auto& s = doc["summary"];
  const auto& p = s["percentiles_ms"];
  std::fprintf(f, "%-6s %-24s %10s %9s | %8s %8s %8s %8s | %9s %10s\n", "Type", "Name", "# reqs", "# fails",
               "Avg", "Min", "Max", "Med", "req/s", "failures/s");
  std::fprintf(f, "%s\n", std::string(116, '-').c_str());
  const double dur = s["duration_s"].get<double>();
  const std::string name = doc["workload"]["path"].get<std::string>();
  std::fprintf(f, "%-6s %-24s %10s %9s | %8.2f %8.2f %8.2f %8.2f | %9.1f %10.2f\n", "GET", name.c_str(),
               with_commas(s["requests"].get<double>()).c_str(), with_commas(s["failures"].get<double>()).c_str(),
               s["avg_ms"].get<double>(), s["min_ms"].get<double>(), s["max_ms"].get<double>(),
               p["50"].get<double>(), s["rps"].get<double>(),
               dur > 0 ? s["failures"].get<double>() / dur : 0.0);
  std::fprintf(f, "\nResponse time percentiles (ms, exact to 0.05%%)\n");
  for (double q : kPercentiles) std::fprintf(f, "%8s", (percentile_key(q) + "%").c_str());
  std::fprintf(f, "\n");
  for (double q : kPercentiles) std::fprintf(f, "%8.2f", p[percentile_key(q)].get<double>());
  std::fprintf(f, "\n");
  if (!s["schedule_fidelity"].is_null())
    std::fprintf(f, "\nIdeal requests %.0f, achieved %.0f (%.2f%%); max scheduling lag %.1f ms\n",
                 s["ideal_requests"].get<double>(), s["requests"].get<double>(),
                 100 * s["schedule_fidelity"].get<double>(), s["lag_max_ms"].get<double>());
  for (const auto& e : doc["errors"])
    std::fprintf(f, "error %-24s %10s  first %.1fs last %.1fs  e.g. %s\n", e["kind"].get<std::string>().c_str(),
                 with_commas(e["count"].get<double>()).c_str(), e["first_s"].get<double>(), e["last_s"].get<double>(),
                 e["example"].get<std::string>().c_str());
  if (doc.value("interrupted", false)) std::fprintf(f, "(interrupted before the end of --run-time)\n");
}

}  // namespace lab
