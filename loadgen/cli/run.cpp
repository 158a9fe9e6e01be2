#include "loadgen/cli/run.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <thread>

#include "common/output_file.h"
#include "loadgen/cli/commands.h"
#include "loadgen/live/forwarder.h"
#include "loadgen/live/requests.h"
#include "loadgen/live/view.h"
#include "loadgen/run/preflight.h"
#include "loadgen/output/locust_csv.h"
#include "loadgen/results/hdr_log.h"
#include "loadgen/output/run_table.h"

#include <boost/program_options.hpp>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>

#include "common/duration.h"
#include "loadgen/pacing/load_model.h"
#include "loadgen/workload/redact.h"
#include "loadgen/workload/shard.h"
#include "loadgen/cli/target_options.h"

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

// --stages (users over time) and --rate-stages (the open-loop rate over time).
std::string apply_stages(const po::variables_map& vm, const std::string& stages, const std::string& rate_stages,
                         Workload& w) {
  if (!vm.count("stages") && !vm.count("rate-stages")) return {};
  if (vm.count("stages") && vm.count("rate-stages"))
    return "--stages and --rate-stages exclude each other: ramp users (closed loop) or a rate (open loop)";
  const bool rate = vm.count("rate-stages") > 0;
  const char* flag = rate ? "--rate-stages" : "--stages";
  std::string err;
  auto s = parse_stages(rate ? rate_stages : stages, err);
  if (!s) return std::string(flag) + ": " + err;
  const auto total = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(s->total_s()));
  if (!vm["run-time"].defaulted() && std::chrono::abs(total - w.run_time) > std::chrono::milliseconds(1))
    return std::string(flag) + ": the stages last " + format_duration(total) + " but --run-time says " +
           format_duration(w.run_time) + "; leave --run-time out";
  if (!(s->max_target() > 0)) return std::string(flag) + ": every target is 0; nothing would run";
  if (rate && s->max_target() > kMaxRate)
    return std::string(flag) + ": at most 1e9 requests/s (one a nanosecond, what the clock can space)";
  w.run_time = total;
  w.stages = *s;
  if (rate) {
    if (vm.count("rate")) return "--rate-stages: give the rates there and leave --rate out";
    if (vm.count("max")) return "--max and --rate-stages exclude each other: closed loop, or an open-loop rate";
    if (w.poisson) return "--poisson: not with --rate-stages (the stages' schedule is evenly spaced)";
    if (w.spawn_rate > 0) return "--spawn-rate: the stages ramp the rate; leave it out";
    w.mode = LoadMode::kRate;
    w.rate = s->max_target();
    return {};
  }
  if (vm.count("rate")) return "--stages ramps users; for an open-loop rate use --rate-stages";
  if (w.spawn_rate > 0) return "--spawn-rate: the stages say when users start; leave it out";
  if (!vm["users"].defaulted()) return "--users: the stages give the number of users; leave -u out";
  w.users = static_cast<int>(std::ceil(s->max_target() - 1e-9));
  if (w.users > 1'000'000) return std::string(flag) + ": at most 1000000 users";
  return {};
}

// --shard, --shard-count, the launchers' environment, --start-at.
std::string apply_distribution(const po::variables_map& vm, const std::string& shard, int shard_count,
                               const std::string& start_at, Workload& w) {
  std::string err;
  std::optional<ShardSpec> spec;
  if (vm.count("shard")) {
    spec = parse_shard(shard, err);
    if (!spec) return "--shard: " + err;
    if (vm.count("shard-count") && shard_count != spec->count)
      return "--shard-count: " + std::to_string(shard_count) + " contradicts --shard " + shard;
  } else {
    if (vm.count("shard-count") && shard_count < 1) return "--shard-count: must be >= 1";
    spec = shard_from_environment([](const char* k) -> const char* { return std::getenv(k); }, shard_count, err);
    if (!spec && !err.empty()) return err;
    if (!spec && vm.count("shard-count"))
      return "--shard-count: given without a shard index (--shard I/N, or JOB_COMPLETION_INDEX in a Kubernetes "
             "Indexed Job)";
  }
  if (spec) {
    w.shard_index = spec->index;
    w.shard_count = spec->count;
    if (w.own_users() < 1)
      return "--shard " + std::to_string(spec->index) + "/" + std::to_string(spec->count) + " (from " + spec->source +
             "): " + std::to_string(w.users) + " users leave this shard none; use at most " + std::to_string(w.users) +
             " shards, or more --users";
  }
  if (w.run_id.empty())
    if (const char* id = std::getenv("LOADGEN_RUN_ID"); id && *id) w.run_id = id;
  if (w.run_id.size() > 200) return "--run-id: at most 200 characters";
  if (vm.count("start-at")) {
    auto t = parse_start_at(start_at, err);
    if (!t) return "--start-at: " + err;
    w.start_at = *t;
    w.start_at_text = start_at;
  }
  return {};
}

}  // namespace

std::optional<RunCommand> parse_run_options(int argc, char** argv, int& exit_code) {
  RunCommand cmd;
  Workload& w = cmd.settings.workload;
  TargetOptions target;
  std::string run_time = "60s", progress = "auto", abort_after = "2s";
  std::vector<std::string> thresholds;
  std::string abort_on_fail;
  std::string wait;
  std::string shard, start_at, stages, rate_stages;
  int shard_count = 0;
  double spawn_rate = 0;
  po::options_description desc(
      "loadgen: Locust-style load generator\n\n"
      "usage: loadgen [run] -H http://127.0.0.1:PORT -u USERS -r SPAWN_RATE -t RUN_TIME [options]\n"
      "       loadgen COMMAND ...   (the commands are listed below)\n\noptions");
  desc.add_options()("help,h", "show this help");
  target.add(desc, cmd.settings);
  desc.add_options()("spawn-rate,r", po::value<double>(&spawn_rate)->default_value(0),
                     "users started per second (0: all at once)")(
      "run-time,t", po::value<std::string>(&run_time)->default_value("60s"), "run time: 30s, 5m, 1h30m")(
      "wait-min", po::value<double>(&w.wait_min_s)->default_value(1), "think time minimum, seconds")(
      "wait-max", po::value<double>(&w.wait_max_s)->default_value(5), "think time maximum, seconds (0: --max)")(
      "wait", po::value<std::string>(&wait),
      "how users wait, as Locust's wait_time: between:1s,5s (default), constant:2s, pacing:5s "
      "(a start every 5 s), throughput:0.2 (starts/s per user), poisson:2s (exponential, mean 2 s)")(
      "max", "closed loop, no think time: maximum throughput (as wrk)")(
      "rate", po::value<double>(&w.rate),
      "open loop: this many requests/s in total, latency from the intended send time")(
      "poisson", po::bool_switch(&w.poisson), "rate mode: exponential gaps instead of uniform spacing")(
      "json", po::value<std::string>(&cmd.json_path), "write the result document here (- for standard output)")(
      "csv", po::value<std::string>(&cmd.csv_prefix),
      "also write Locust-style PREFIX_stats.csv, PREFIX_stats_history.csv, PREFIX_failures.csv, PREFIX_exceptions.csv")(
      "hlog", po::value<std::string>(&cmd.hlog_path),
      "also write an HdrHistogram interval log (v1.3): each second, a Tag=NAME line per request name and the "
      "aggregate's line")("progress", po::value<std::string>(&progress)->default_value("auto"),
                          "status line: auto (on a terminal), always, never")(
      "progress-prefix", po::value<std::string>(&cmd.settings.progress_prefix), "text before the status line")(
      "fail-on-errors", po::bool_switch(&cmd.fail_on_errors), "exit 1 if any request failed")(
      "threshold", po::value<std::vector<std::string>>(&thresholds),
      "pass/fail criterion, repeatable: p99<5ms, avg<=2ms, errors<1%, errors<10, rps>1000, fidelity>99%")(
      "abort-on-fail", po::value<std::string>(&abort_on_fail)->implicit_value("0s"),
      "[=DELAY] stop as soon as a --threshold fails on the data so far (judged each second after DELAY); exit 6")(
      "abort-after", po::value<std::string>(&abort_after)->default_value("2s"),
      "stop early if nothing has succeeded (and something failed) by then; 0 never stops early");
  auto shape = desc.add_options();
  shape("stages", po::value<std::string>(&stages),
        "users over time, ramping linearly: DURATION:USERS,... e.g. 30s:100,2m:1000,30s:0 (run time = their sum)");
  shape("rate-stages", po::value<std::string>(&rate_stages),
        "the open-loop rate over time: DURATION:REQ_PER_S,... e.g. 30s:500,1m:500,30s:2000 (over -u connections)");
  auto dist = desc.add_options();
  dist("shard", po::value<std::string>(&shard),
       "run shard I of N of this workload (I/N, e.g. 0/3): the users u with u mod N == I; also from "
       "JOB_COMPLETION_INDEX (with --shard-count), SLURM_PROCID/SLURM_NTASKS, OMPI_COMM_WORLD_RANK/_SIZE, "
       "PMI_RANK/_SIZE");
  dist("shard-count", po::value<int>(&shard_count), "the number of shards, for JOB_COMPLETION_INDEX (Kubernetes)");
  dist("start-at", po::value<std::string>(&start_at),
       "start at this wall-clock time (RFC 3339, or Unix seconds), so that every shard starts together");
  std::string live, live_linger = "0", live_allow, live_token;
  auto lv = desc.add_options();
  lv("live", po::value<std::string>(&live),
     "[ADDR:]PORT: watch the run in a browser at http://ADDR:PORT/ (127.0.0.1 unless an address is given; 0 "
     "picks a port); also /events (SSE), /snapshot.json, /metrics (Prometheus). Anyone who reaches it reads the "
     "run: keep it on loopback, or reach it through an SSH tunnel");
  lv("live-control", "with --live: allow POST /control to change the users, the rate, or stop the run");
  lv("live-allow-host", po::value<std::string>(&live_allow),
     "NAME[,NAME]: with --live beyond loopback (e.g. 0.0.0.0:8089), the host names (or addresses) its page is "
     "reached by; requests naming another host are refused (required there)");
  lv("live-token", po::value<std::string>(&live_token),
     "with --live-control: the token a control must carry (X-Loadlab-Token); beyond loopback one is generated and "
     "printed when none is given");
  lv("live-hub", po::value<std::string>(&cmd.live_hub),
     "ADDR:PORT: send the live view's events to a job's hub instead (loadgen live-hub; LOADGEN_LIVE_TOKEN)");
  lv("live-linger", po::value<std::string>(&live_linger)->default_value("0"),
     "with --live: keep serving the ended run this long (e.g. 5m; Ctrl-C ends it sooner)");
  dist("run-id", po::value<std::string>(&w.run_id),
       "the distributed run this shard belongs to (also LOADGEN_RUN_ID; default: its --start-at): merge refuses "
       "shards of different runs");
  po::variables_map vm;
  auto fail = [&](const std::string& msg) {
    std::cerr << "loadgen: " << msg << "\n(see loadgen --help)\n";
    exit_code = 2;
    return std::nullopt;
  };
  if (std::string err = parse_command_line(argc, argv, desc, vm); !err.empty()) return fail(err);
  if (vm.count("help")) {
    std::cout << desc << "\n" << kExitCodes;
    exit_code = 0;
    return std::nullopt;
  }
  if (std::string err = target.apply(vm, cmd.settings); !err.empty()) return fail(err);
  if (spawn_rate < 0) return fail("--spawn-rate: must be >= 0 (0 starts every user at once)");
  if (auto e = check_number("--spawn-rate", spawn_rate, 0, 1e7, "100"); !e.empty()) return fail(e);
  if (auto e = check_number("--wait-min", w.wait_min_s, 0, 86400, "1"); !e.empty()) return fail(e);
  if (auto e = check_number("--wait-max", w.wait_max_s, 0, 86400, "5"); !e.empty()) return fail(e);
  w.spawn_rate = spawn_rate;
  auto rt = parse_duration(run_time);
  if (!rt || rt->count() <= 0)
    return fail("--run-time: '" + run_time + "' is not a duration (use e.g. 30s, 5m, 1h30m)");
  w.run_time = *rt;
  if (w.wait_min_s < 0 || w.wait_max_s < 0) return fail("--wait-min/--wait-max: must be >= 0 seconds");
  if (w.wait_min_s > w.wait_max_s)
    return fail("--wait-min: " + std::to_string(w.wait_min_s) + " is above --wait-max (" +
                std::to_string(w.wait_max_s) + "); swap them");
  if (vm.count("wait")) {
    for (const char* flag : {"wait-min", "wait-max"})
      if (!vm[flag].defaulted())
        return fail(std::string("--wait and --") + flag + " exclude each other: give --wait between:MIN,MAX");
    if (vm.count("max") || vm.count("rate"))
      return fail("--wait: only for users (a closed loop with waits); --max and --rate do not wait");
    std::string why;
    const auto shape = parse_wait(wait, why);
    if (!shape) return fail("--wait: " + why);
    w.set_wait(*shape);
  }
  if (vm.count("max") && vm.count("rate"))
    return fail("--max and --rate exclude each other: pick closed loop (--max) or open loop (--rate R)");
  if (vm.count("rate")) {
    if (!(w.rate > 0)) return fail("--rate: must be > 0 requests/s");
    if (!(w.rate <= kMaxRate))
      return fail("--rate: at most 1e9 requests/s (one a nanosecond, what the clock can space); got " +
                  std::to_string(w.rate));
    w.mode = LoadMode::kRate;
  } else if (vm.count("max") || w.wait_max_s == 0) {
    w.mode = LoadMode::kMax;
  }
  if (std::string err = apply_stages(vm, stages, rate_stages, cmd.settings.workload); !err.empty()) return fail(err);
  if (std::string err = apply_distribution(vm, shard, shard_count, start_at, w); !err.empty()) return fail(err);
  if (w.poisson && w.mode != LoadMode::kRate) return fail("--poisson: only with --rate R");
  // A load thread without a user would idle (and dilute the client's CPU share): at most one per
  // user this process runs, known once stages and shards have set the users.
  w.threads = std::min(w.threads, std::max(1, w.own_users()));
  std::string err;
  for (const auto& t : thresholds) {
    auto spec = parse_threshold(t, err);
    if (!spec) return fail("--threshold: " + err);
    cmd.settings.thresholds.push_back(*spec);
  }
  {
    std::vector<std::string> names;  // a scenario's request names (per-name thresholds judge them)
    if (!w.scenario.file.empty())
      for (const auto& r : w.scenario.requests) names.push_back(r.name);
    if (std::string e = check_threshold_names(cmd.settings.thresholds, names); !e.empty())
      return fail("--threshold: " + e);
  }
  if (vm.count("abort-on-fail")) {
    if (cmd.settings.thresholds.empty())
      return fail("--abort-on-fail: there is nothing to fail; give the --threshold it should stop on");
    auto delay = abort_on_fail == "0" ? std::optional<std::chrono::nanoseconds>(0) : parse_duration(abort_on_fail);
    if (!delay) return fail("--abort-on-fail: '" + abort_on_fail + "' is not a duration (e.g. --abort-on-fail=10s)");
    cmd.settings.abort_on_fail = *delay;
  }
  auto aa = abort_after == "0" ? std::optional<std::chrono::nanoseconds>(0) : parse_duration(abort_after);
  if (!aa)
    return fail("--abort-after: '" + abort_after + "' is not a duration (use e.g. 2s, or 0 to never stop early)");
  cmd.settings.abort_after = *aa;
  if (vm.count("json") && !(err = check_output_flag("--json", cmd.json_path)).empty()) return fail(err);
  if (vm.count("csv")) {
    if (cmd.csv_prefix == "-") return fail("--csv: '-' is not supported (the CSVs are several files; give a prefix)");
    if (!(err = check_output_flag("--csv", cmd.csv_prefix + "_stats.csv")).empty()) return fail(err);
  }
  if (vm.count("hlog") && !(err = check_output_flag("--hlog", cmd.hlog_path)).empty()) return fail(err);
  if (vm.count("live") && vm.count("live-hub")) return fail("--live and --live-hub exclude each other: serve, or send");
  if (vm.count("live-hub")) {
    const char* token = std::getenv("LOADGEN_LIVE_TOKEN");
    if (!token || !*token) return fail("--live-hub: LOADGEN_LIVE_TOKEN must hold the hub's secret");
    LiveOptions probe;
    if (std::string e = parse_live_address(cmd.live_hub, probe); !e.empty()) return fail("--live-hub: " + e);
  }
  if (vm.count("live")) {
    LiveOptions o;
    if (std::string e = parse_live_address(live, o); !e.empty()) return fail("--live: " + e);
    o.control = vm.count("live-control") > 0;
    o.model = &load_model(w.mode);
    if (vm.count("live-allow-host"))
      if (std::string e = parse_allowed_hosts(live_allow, o.allowed_hosts); !e.empty())
        return fail("--live-allow-host: " + e);
    if (vm.count("live-token")) {
      if (!o.control) return fail("--live-token: only with --live-control (the token guards steering)");
      if (live_token.size() < 16) return fail("--live-token: use 16 characters or more (or leave it out: one is made)");
      o.control_token = live_token;
    }
    if (std::string e = check_live_exposure(o, cmd.live_warning); !e.empty()) return fail(e);
    cmd.live = o;
  } else if (vm.count("live-control") || !vm["live-linger"].defaulted() || vm.count("live-allow-host") ||
             vm.count("live-token")) {
    return fail(std::string(vm.count("live-control")      ? "--live-control"
                            : vm.count("live-allow-host") ? "--live-allow-host"
                            : vm.count("live-token")      ? "--live-token"
                                                          : "--live-linger") +
                ": only with --live [ADDR:]PORT");
  }
  if (vm.count("live-control")) {
    if (w.sharded())
      return fail("--live-control: a shard cannot be steered alone (its users are the run's); leave it out");
    if (w.mode == LoadMode::kRate && w.spawn_rate > 0)
      return fail("--live-control: a steered open loop starts every connection at once; leave --spawn-rate out");
  }
  auto linger = live_linger == "0" ? std::optional<std::chrono::nanoseconds>(0) : parse_duration(live_linger);
  if (!linger) return fail("--live-linger: '" + live_linger + "' is not a duration (e.g. 5m, or 0)");
  cmd.live_linger = *linger;
  cmd.settings.command_line = redact_command_line(std::vector<std::string>(argv, argv + argc), &cmd.settings.redacted);
  if (progress == "auto")
    cmd.settings.progress = ProgressMode::kAuto;
  else if (progress == "always")
    cmd.settings.progress = ProgressMode::kAlways;
  else if (progress == "never")
    cmd.settings.progress = ProgressMode::kNever;
  else
    return fail("--progress: '" + progress + "' is unknown (use auto, always or never)");
  return cmd;
}

int run_main(int argc, char** argv) {
  int code = 0;
  auto cmd = parse_run_options(argc, argv, code);
  if (!cmd) return code;
  // The live view: its URL is the first line printed, before the run starts.
  LiveHub hub;
  Steering steering;
  std::unique_ptr<LiveServer> server;
  std::unique_ptr<LiveView> view;
  if (cmd->live) {
    LiveOptions o = *cmd->live;
    o.steering = &steering;
    o.max_users = std::max(
        cmd->settings.workload.users,
        max_users_for_fds(std::max(1, std::min(cmd->settings.workload.threads, cmd->settings.workload.own_users()))));
    server = std::make_unique<LiveServer>(hub, o);
    if (const std::string why = server->start(); !why.empty()) {
      std::fprintf(stderr, "loadgen: cannot start: --live: %s\n", why.c_str());
      return 3;
    }
    std::fprintf(stderr, "loadgen: live view at %s%s\n", server->url().c_str(),
                 o.control ? " (steering allowed: POST /control)" : "");
    if (!cmd->live_warning.empty()) std::fprintf(stderr, "loadgen: warning: %s\n", cmd->live_warning.c_str());
    view = std::make_unique<LiveView>(hub);
    view->dropped_listeners = &server->dropped;
    cmd->settings.observer = view.get();
    if (o.control) cmd->settings.steering = &steering;
    cmd->settings.reserved_fds = static_cast<int>(o.max_connections);  // the listener's connections, at most
  }
  std::unique_ptr<LiveForwarder> forwarder;
  if (!cmd->live_hub.empty()) {  // a run of a job: its events go to the job's hub
    view =
        std::make_unique<LiveView>(hub, nlohmann::json{{"job_item", cmd->settings.workload.label}, {"job_row", true}});
    forwarder = std::make_unique<LiveForwarder>(hub, cmd->live_hub, std::getenv("LOADGEN_LIVE_TOKEN"));
    cmd->settings.observer = view.get();
  }
  RunResult r = run_load(cmd->settings);
  if (!r.preflight_error.empty()) {
    std::fprintf(stderr, "loadgen: cannot start: %s\n", r.preflight_error.c_str());
    return 3;
  }
  // With --json - (or /dev/stdout, /dev/fd/1) the document owns standard output; the table goes
  // to stderr.
  const bool json_on_stdout = cmd->json_path == "-" || named_descriptor(cmd->json_path) == 1;
  if (!cmd->settings.quiet) print_run_table(r.result, json_on_stdout ? stderr : stdout);
  if (r.result.status != "ok") std::fprintf(stderr, "loadgen: %s\n", r.result.error.c_str());
  if (!r.aborted_by.empty()) std::fprintf(stderr, "loadgen: stopped %s (exit 6)\n", r.result.stopped.c_str());
  nlohmann::json files = nlohmann::json::object();
  try {
    if (!cmd->json_path.empty()) {
      write_json_output(cmd->json_path, to_json(r.result));
      files["json"] = cmd->json_path;
    }
    if (!cmd->csv_prefix.empty()) {
      write_locust_csv(r.result, cmd->csv_prefix);
      files["csv"] = cmd->csv_prefix + "_*.csv";
    }
    if (!cmd->hlog_path.empty() && r.result.has_summary()) {
      write_output(cmd->hlog_path, hlog_text(r.result));
      files["hlog"] = cmd->hlog_path;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "loadgen: %s\n", e.what());
    if (view) view->on_end(r.result, files);
    return 4;
  }
  if (forwarder) {
    view->on_end(r.result, files);
    forwarder->finish();
  } else if (view) {
    view->on_end(r.result, files);
    // The page keeps the final state; the process does not wait for browsers unless asked.
    if (cmd->live_linger.count() > 0 && !interrupted()) {
      std::fprintf(stderr, "loadgen: the live view stays at %s for %.0f s (Ctrl-C ends it)\n", server->url().c_str(),
                   std::chrono::duration<double>(cmd->live_linger).count());
      const auto until = std::chrono::steady_clock::now() + cmd->live_linger;
      while (std::chrono::steady_clock::now() < until && !interrupted())
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    server->stop();
    if (const auto n = server->refused.load(); n > 0)
      std::fprintf(stderr,
                   "loadgen: the live view refused %llu connection(s) over its cap of %zu (the run's descriptors come "
                   "first)\n",
                   static_cast<unsigned long long>(n), cmd->live->max_connections);
  }
  return exit_code(r, cmd->fail_on_errors);
}

}  // namespace lab
