#include "loadgen/options.h"

#include <boost/program_options.hpp>
#include <iostream>
#include <thread>

#include "common/duration.h"
#include "common/output_file.h"

namespace po = boost::program_options;

namespace lab {

namespace {
const char kExitCodes[] =
    "exit codes:\n"
    "  0    the run completed (failed requests alone do not change this; see 1)\n"
    "  1    some requests failed, with --fail-on-errors\n"
    "  2    usage error: the message names the flag and the fix\n"
    "  3    preflight refused the run (e.g. not enough file descriptors)\n"
    "  4    a result file could not be written\n"
    "  5    no request succeeded (target down, TLS port, only error statuses): stopped early when\n"
    "       nothing succeeded in the first --abort-after, with the reason\n"
    "  6    a --threshold did not hold\n"
    "  130  interrupted (Ctrl-C, SIGTERM); the result is still written, marked interrupted\n";
}  // namespace

std::optional<RunCommand> parse_run_options(int argc, char** argv, int& exit_code) {
  RunCommand cmd;
  Workload& w = cmd.settings.workload;
  std::string run_time = "60s", timeout = "10s", progress = "auto", expect_status = "2xx", abort_after = "2s";
  std::vector<std::string> thresholds;
  double spawn_rate = 0;
  po::options_description desc(
      "loadgen: Locust-style load generator\n\n"
      "usage: loadgen -H http://127.0.0.1:PORT -u USERS -r SPAWN_RATE -t RUN_TIME [options]\n"
      "       loadgen compare BASE CUR [--format text|markdown|json] [thresholds]\n"
      "       loadgen summary RUN_DIR        loadgen report RUN_DIR        loadgen aggregate RUN_DIR\n\noptions");
  desc.add_options()
      ("help,h", "show this help")
      ("host,H", po::value<std::string>(&w.url), "target, e.g. http://127.0.0.1:8080 (a path may follow)")
      ("path", po::value<std::string>(), "request path (default: the URL's, else /)")
      ("users,u", po::value<int>(&w.users)->default_value(1), "virtual users (or connections in --max/--rate)")
      ("spawn-rate,r", po::value<double>(&spawn_rate)->default_value(0), "users started per second (0: all at once)")
      ("run-time,t", po::value<std::string>(&run_time)->default_value("60s"), "run time: 30s, 5m, 1h30m")
      ("wait-min", po::value<double>(&w.wait_min_s)->default_value(1), "think time minimum, seconds")
      ("wait-max", po::value<double>(&w.wait_max_s)->default_value(5), "think time maximum, seconds (0: --max)")
      ("max", "closed loop, no think time: maximum throughput (as wrk)")
      ("rate", po::value<double>(&w.rate), "open loop: this many requests/s in total, latency from the intended send time")
      ("poisson", po::bool_switch(&w.poisson), "rate mode: exponential gaps instead of uniform spacing")
      ("keepalive", po::bool_switch(&w.keepalive), "reuse one connection per user where the server allows it")
      ("threads", po::value<int>(&w.threads)->default_value(1), "load-generating threads, one io_context each")
      ("timeout", po::value<std::string>(&timeout)->default_value("10s"), "per-request connect+response timeout")
      ("label", po::value<std::string>(&w.label), "name of what is measured (the server model)")
      ("json", po::value<std::string>(&cmd.json_path), "write the result document here (- for standard output)")
      ("csv", po::value<std::string>(&cmd.csv_prefix),
       "also write Locust-style PREFIX_stats.csv, PREFIX_stats_history.csv, PREFIX_failures.csv, PREFIX_exceptions.csv")
      ("seed", po::value<std::uint64_t>(&w.seed)->default_value(1), "random seed for think times and schedules")
      ("quiet,q", po::bool_switch(&cmd.settings.quiet), "no status line and no summary table")
      ("progress", po::value<std::string>(&progress)->default_value("auto"), "status line: auto (on a terminal), always, never")
      ("progress-prefix", po::value<std::string>(&cmd.settings.progress_prefix), "text before the status line")
      ("fail-on-errors", po::bool_switch(&cmd.fail_on_errors), "exit 1 if any request failed")
      ("expect-status", po::value<std::string>(&expect_status)->default_value("2xx"),
       "status codes that count as success: codes, ranges, classes (200,204 / 200-399 / 2xx,3xx)")
      ("threshold", po::value<std::vector<std::string>>(&thresholds),
       "pass/fail criterion, repeatable: p99<5ms, avg<=2ms, errors<1%, errors<10, rps>1000, fidelity>99%")
      ("abort-after", po::value<std::string>(&abort_after)->default_value("2s"),
       "stop early if nothing has succeeded (and something failed) by then; 0 never stops early")
      ("max-client-lag", po::value<double>(&cmd.settings.max_client_lag_ms)->default_value(5),
       "ms: a run whose requests started later than this (p99) is marked client-bound");
  po::variables_map vm;
  auto fail = [&](const std::string& msg) {
    std::cerr << "loadgen: " << msg << "\n(see loadgen --help)\n";
    exit_code = 2;
    return std::nullopt;
  };
  try {
    po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return fail(e.what());
  }
  if (vm.count("help")) {
    std::cout << desc << "\n" << kExitCodes;
    exit_code = 0;
    return std::nullopt;
  }
  if (w.url.empty()) return fail("--host is required, e.g. -H http://127.0.0.1:8080");
  std::string err;
  if (!parse_url(w.url, w.target, err)) return fail("--host: " + err);
  if (vm.count("path")) {
    w.target.path = vm["path"].as<std::string>();
    if (w.target.path.empty() || w.target.path[0] != '/') return fail("--path: must start with / (e.g. --path /index.html)");
  }
  if (w.users < 1 || w.users > 1'000'000) return fail("--users: must be 1..1000000");
  if (spawn_rate < 0) return fail("--spawn-rate: must be >= 0 (0 starts every user at once)");
  w.spawn_rate = spawn_rate;
  auto rt = parse_duration(run_time);
  if (!rt || rt->count() <= 0) return fail("--run-time: '" + run_time + "' is not a duration (use e.g. 30s, 5m, 1h30m)");
  w.run_time = *rt;
  auto to = parse_duration(timeout);
  if (!to || to->count() <= 0) return fail("--timeout: '" + timeout + "' is not a duration (use e.g. 10s, 500ms)");
  w.timeout = *to;
  if (w.wait_min_s < 0 || w.wait_max_s < 0) return fail("--wait-min/--wait-max: must be >= 0 seconds");
  if (w.wait_min_s > w.wait_max_s) return fail("--wait-min: " + std::to_string(w.wait_min_s) + " is above --wait-max (" + std::to_string(w.wait_max_s) + "); swap them");
  if (vm.count("max") && vm.count("rate")) return fail("--max and --rate exclude each other: pick closed loop (--max) or open loop (--rate R)");
  if (vm.count("rate")) {
    if (!(w.rate > 0)) return fail("--rate: must be > 0 requests/s");
    w.mode = LoadMode::kRate;
  } else if (vm.count("max") || w.wait_max_s == 0) {
    w.mode = LoadMode::kMax;
  }
  if (w.poisson && w.mode != LoadMode::kRate) return fail("--poisson: only with --rate R");
  const int cpus = static_cast<int>(std::thread::hardware_concurrency());
  if (w.threads < 1 || w.threads > 256) return fail("--threads: must be 1..256 (this machine has " + std::to_string(cpus) + " CPUs)");
  if (w.threads > w.users) w.threads = w.users;
  auto statuses = StatusSet::parse(expect_status, err);
  if (!statuses) return fail("--expect-status: " + err);
  w.expect_status = *statuses;
  for (const auto& t : thresholds) {
    auto spec = parse_threshold(t, err);
    if (!spec) return fail("--threshold: " + err);
    cmd.settings.thresholds.push_back(*spec);
  }
  auto aa = abort_after == "0" ? std::optional<std::chrono::nanoseconds>(0) : parse_duration(abort_after);
  if (!aa) return fail("--abort-after: '" + abort_after + "' is not a duration (use e.g. 2s, or 0 to never stop early)");
  cmd.settings.abort_after = *aa;
  if (!(cmd.settings.max_client_lag_ms > 0)) return fail("--max-client-lag: must be > 0 ms (e.g. 5)");
  for (const auto& [flag, path] : {std::pair<const char*, std::string>{"--json", cmd.json_path}, {"--csv", cmd.csv_prefix}}) {
    if (!vm.count(flag + 2)) continue;
    if (std::string(flag) == "--csv" && path == "-") return fail("--csv: '-' is not supported (the CSVs are several files; give a prefix)");
    const std::string probe = std::string(flag) == "--csv" ? path + "_stats.csv" : path;
    if (const std::string why = output_problem(probe); !why.empty()) return fail(std::string(flag) + ": " + why);
  }
  for (int i = 0; i < argc; ++i) cmd.settings.command_line.push_back(argv[i]);
  if (progress == "auto") cmd.settings.progress = ProgressMode::kAuto;
  else if (progress == "always") cmd.settings.progress = ProgressMode::kAlways;
  else if (progress == "never") cmd.settings.progress = ProgressMode::kNever;
  else return fail("--progress: '" + progress + "' is unknown (use auto, always or never)");
  return cmd;
}

}  // namespace lab
