// loadgen run's command line (parse_run_options), as flag sets by concern, as k6's are: the target
// and request (TargetOptions), the load, the outputs, the judgement, the distribution, the live
// view. Each adds its flags and applies what was given, naming the flag and the fix.
#include <boost/program_options.hpp>
#include <cmath>
#include <cstdlib>
#include <iostream>

#include "common/duration.h"
#include "loadgen/cli/command_line.h"
#include "loadgen/cli/outputs.h"
#include "loadgen/cli/run.h"
#include "loadgen/cli/target_options.h"
#include "loadgen/live/requests.h"
#include "loadgen/pacing/load_model.h"
#include "loadgen/workload/redact.h"
#include "loadgen/workload/shard.h"

namespace po = boost::program_options;

namespace lab {

namespace {

const char kExitCodes[] =
    "exit codes:\n"
    "  0    the run completed (failed requests alone do not change this; see 1)\n"
    "  1    some requests failed, with --fail-on-errors\n"
    "  2    usage error: the message names the flag and the fix\n"
    "  3    preflight refused the run (e.g. not enough file descriptors)\n"
    "  4    a result file could not be written (or, with --out-required, a push lost seconds)\n"
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

// How many, how fast, how long: spawning, the run time, waits, the load mode, stages.
struct LoadFlags {
  std::string run_time = "60s", wait, stages, rate_stages;
  double spawn_rate = 0;

  void add(po::options_description& d, Workload& w) {
    d.add_options()("spawn-rate,r", po::value<double>(&spawn_rate)->default_value(0),
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
        "stages", po::value<std::string>(&stages),
        "users over time, ramping linearly: DURATION:USERS,... e.g. 30s:100,2m:1000,30s:0 (run time = their sum)")(
        "rate-stages", po::value<std::string>(&rate_stages),
        "the open-loop rate over time: DURATION:REQ_PER_S,... e.g. 30s:500,1m:500,30s:2000 (over -u connections)");
  }

  std::string apply(const po::variables_map& vm, Workload& w) const {
    if (spawn_rate < 0) return "--spawn-rate: must be >= 0 (0 starts every user at once)";
    if (auto e = check_number("--spawn-rate", spawn_rate, 0, 1e7, "100"); !e.empty()) return e;
    if (auto e = check_number("--wait-min", w.wait_min_s, 0, 86400, "1"); !e.empty()) return e;
    if (auto e = check_number("--wait-max", w.wait_max_s, 0, 86400, "5"); !e.empty()) return e;
    w.spawn_rate = spawn_rate;
    auto rt = parse_duration(run_time);
    if (!rt || rt->count() <= 0) return "--run-time: '" + run_time + "' is not a duration (use e.g. 30s, 5m, 1h30m)";
    w.run_time = *rt;
    if (w.wait_min_s > w.wait_max_s)
      return "--wait-min: " + std::to_string(w.wait_min_s) + " is above --wait-max (" + std::to_string(w.wait_max_s) +
             "); swap them";
    if (vm.count("wait")) {
      for (const char* flag : {"wait-min", "wait-max"})
        if (!vm[flag].defaulted())
          return std::string("--wait and --") + flag + " exclude each other: give --wait between:MIN,MAX";
      if (vm.count("max") || vm.count("rate"))
        return "--wait: only for users (a closed loop with waits); --max and --rate do not wait";
      std::string why;
      const auto shape = parse_wait(wait, why);
      if (!shape) return "--wait: " + why;
      w.set_wait(*shape);
    }
    if (vm.count("max") && vm.count("rate"))
      return "--max and --rate exclude each other: pick closed loop (--max) or open loop (--rate R)";
    if (vm.count("rate")) {
      if (!(w.rate > 0)) return "--rate: must be > 0 requests/s";
      if (!(w.rate <= kMaxRate))
        return "--rate: at most 1e9 requests/s (one a nanosecond, what the clock can space); got " +
               std::to_string(w.rate);
      w.mode = LoadMode::kRate;
    } else if (vm.count("max") || w.wait_max_s == 0) {
      w.mode = LoadMode::kMax;
    }
    return apply_stages(vm, stages, rate_stages, w);
  }
};

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

// Where shards come from and when they start together.
struct DistributionFlags {
  std::string shard, start_at;
  int shard_count = 0;

  void add(po::options_description& d, Workload& w) {
    d.add_options()("shard", po::value<std::string>(&shard),
                    "run shard I of N of this workload (I/N, e.g. 0/3): the users u with u mod N == I; also from "
                    "JOB_COMPLETION_INDEX (with --shard-count), SLURM_PROCID/SLURM_NTASKS, OMPI_COMM_WORLD_RANK/_SIZE, "
                    "PMI_RANK/_SIZE")("shard-count", po::value<int>(&shard_count),
                                      "the number of shards, for JOB_COMPLETION_INDEX (Kubernetes)")(
        "start-at", po::value<std::string>(&start_at),
        "start at this wall-clock time (RFC 3339, or Unix seconds), so that every shard starts together")(
        "run-id", po::value<std::string>(&w.run_id),
        "the distributed run this shard belongs to (also LOADGEN_RUN_ID; default: its --start-at): merge refuses "
        "shards of different runs");
  }
  std::string apply(const po::variables_map& vm, Workload& w) const {
    return apply_distribution(vm, shard, shard_count, start_at, w);
  }
};

// What passes: thresholds, stopping early on them or on nothing succeeding, the exit on errors.
struct JudgementFlags {
  std::vector<std::string> thresholds;
  std::string abort_on_fail, abort_after = "2s";

  void add(po::options_description& d, RunCommand& cmd) {
    d.add_options()("threshold", po::value<std::vector<std::string>>(&thresholds),
                    "pass/fail criterion, repeatable: p99<5ms, avg<=2ms, errors<1%, errors<10, rps>1000, fidelity>99%")(
        "abort-on-fail", po::value<std::string>(&abort_on_fail)->implicit_value("0s"),
        "[=DELAY] stop as soon as a --threshold fails on the data so far (judged each second after DELAY); exit 6")(
        "abort-after", po::value<std::string>(&abort_after)->default_value("2s"),
        "stop early if nothing has succeeded (and something failed) by then; 0 never stops early")(
        "fail-on-errors", po::bool_switch(&cmd.fail_on_errors), "exit 1 if any request failed");
  }

  std::string apply(const po::variables_map& vm, RunCommand& cmd) const {
    std::string err;
    for (const auto& t : thresholds) {
      auto spec = parse_threshold(t, err);
      if (!spec) return "--threshold: " + err;
      cmd.settings.thresholds.push_back(*spec);
    }
    const Workload& w = cmd.settings.workload;
    std::vector<std::string> names;  // a scenario's request names (per-name thresholds judge them)
    if (!w.scenario.file.empty())
      for (const auto& r : w.scenario.requests) names.push_back(r.name);
    if (std::string e = check_threshold_names(cmd.settings.thresholds, names); !e.empty()) return "--threshold: " + e;
    if (vm.count("abort-on-fail")) {
      if (cmd.settings.thresholds.empty())
        return "--abort-on-fail: there is nothing to fail; give the --threshold it should stop on";
      auto delay = abort_on_fail == "0" ? std::optional<std::chrono::nanoseconds>(0) : parse_duration(abort_on_fail);
      if (!delay) return "--abort-on-fail: '" + abort_on_fail + "' is not a duration (e.g. --abort-on-fail=10s)";
      cmd.settings.abort_on_fail = *delay;
    }
    auto aa = abort_after == "0" ? std::optional<std::chrono::nanoseconds>(0) : parse_duration(abort_after);
    if (!aa) return "--abort-after: '" + abort_after + "' is not a duration (use e.g. 2s, or 0 to never stop early)";
    cmd.settings.abort_after = *aa;
    return {};
  }
};

// Where the result goes: files, and the status line.
struct OutputFlags {
  std::string progress = "auto";
  std::vector<std::string> outs;

  void add(po::options_description& d, RunCommand& cmd) {
    d.add_options()("json", po::value<std::string>(&cmd.out.json_path),
                    "write the result document here (- for standard output)")(
        "csv", po::value<std::string>(&cmd.out.csv_prefix),
        "also write Locust-style PREFIX_stats.csv, PREFIX_stats_history.csv, PREFIX_failures.csv, "
        "PREFIX_exceptions.csv")("hlog", po::value<std::string>(&cmd.out.hlog_path),
                                 "also write an HdrHistogram interval log (v1.3): each second, a Tag=NAME line per "
                                 "request name and the aggregate's line")(
        "out", po::value<std::vector<std::string>>(&outs), out_help().c_str())(
        "out-required", "a pushing --out that does not send the whole run fails it (exit 4; else it is reported only)")(
        "progress", po::value<std::string>(&progress)->default_value("auto"),
        "status line: auto (on a terminal), always, never")(
        "progress-prefix", po::value<std::string>(&cmd.settings.progress_prefix), "text before the status line");
  }

  std::string apply(const po::variables_map& vm, RunCommand& cmd) const {
    std::string err;
    if (vm.count("json") && !(err = check_output_flag("--json", cmd.out.json_path)).empty()) return err;
    if (vm.count("csv")) {
      if (cmd.out.csv_prefix == "-") return "--csv: '-' is not supported (the CSVs are several files; give a prefix)";
      if (!(err = check_output_flag("--csv", cmd.out.csv_prefix + "_stats.csv")).empty()) return err;
    }
    if (vm.count("hlog") && !(err = check_output_flag("--hlog", cmd.out.hlog_path)).empty()) return err;
    for (const std::string& o : outs)
      if (!(err = apply_out(o, cmd.out)).empty()) return err;
    cmd.out.required = vm.count("out-required") > 0;
    if (cmd.out.required && cmd.out.pushes.empty())
      return "--out-required: only with a pushing output (--out prometheus=URL or --out influxdb=URL)";
    label_pushes(cmd.out, cmd.settings.workload);
    if (progress == "auto")
      cmd.settings.progress = ProgressMode::kAuto;
    else if (progress == "always")
      cmd.settings.progress = ProgressMode::kAlways;
    else if (progress == "never")
      cmd.settings.progress = ProgressMode::kNever;
    else
      return "--progress: '" + progress + "' is unknown (use auto, always or never)";
    return {};
  }
};

// The live view: served here, or sent to a job's hub; who may read and steer it.
struct LiveFlags {
  std::string live, live_linger = "0", live_allow, live_token;

  void add(po::options_description& d, RunCommand& cmd) {
    auto lv = d.add_options();
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
  }

  std::string apply(const po::variables_map& vm, RunCommand& cmd) const {
    const Workload& w = cmd.settings.workload;
    if (vm.count("live") && !cmd.out.live.empty()) return "--out live: given twice (with --live): give one";
    const bool serve = vm.count("live") > 0 || !cmd.out.live.empty();  // --out live=PORT is --live PORT
    const std::string& address = vm.count("live") ? live : cmd.out.live;
    if (serve && vm.count("live-hub")) return "--live and --live-hub exclude each other: serve, or send";
    if (vm.count("live-hub")) {
      const char* token = std::getenv("LOADGEN_LIVE_TOKEN");
      if (!token || !*token) return "--live-hub: LOADGEN_LIVE_TOKEN must hold the hub's secret";
      LiveOptions probe;
      if (std::string e = parse_live_address(cmd.live_hub, probe); !e.empty()) return "--live-hub: " + e;
    }
    if (serve) {
      LiveOptions o;
      if (std::string e = parse_live_address(address, o); !e.empty()) return "--live: " + e;
      o.control = vm.count("live-control") > 0;
      o.model = &load_model(w.mode);
      if (vm.count("live-allow-host"))
        if (std::string e = parse_allowed_hosts(live_allow, o.allowed_hosts); !e.empty())
          return "--live-allow-host: " + e;
      if (vm.count("live-token")) {
        if (!o.control) return "--live-token: only with --live-control (the token guards steering)";
        if (live_token.size() < 16) return "--live-token: use 16 characters or more (or leave it out: one is made)";
        o.control_token = live_token;
      }
      if (std::string e = check_live_exposure(o, cmd.live_warning); !e.empty()) return e;
      cmd.live = o;
    } else if (vm.count("live-control") || !vm["live-linger"].defaulted() || vm.count("live-allow-host") ||
               vm.count("live-token")) {
      return std::string(vm.count("live-control")      ? "--live-control"
                         : vm.count("live-allow-host") ? "--live-allow-host"
                         : vm.count("live-token")      ? "--live-token"
                                                       : "--live-linger") +
             ": only with --live [ADDR:]PORT";
    }
    if (vm.count("live-control")) {
      if (w.sharded()) return "--live-control: a shard cannot be steered alone (its users are the run's); leave it out";
      if (w.mode == LoadMode::kRate && w.spawn_rate > 0)
        return "--live-control: a steered open loop starts every connection at once; leave --spawn-rate out";
    }
    auto linger = live_linger == "0" ? std::optional<std::chrono::nanoseconds>(0) : parse_duration(live_linger);
    if (!linger) return "--live-linger: '" + live_linger + "' is not a duration (e.g. 5m, or 0)";
    cmd.live_linger = *linger;
    return {};
  }
};

}  // namespace

std::optional<RunCommand> parse_run_options(int argc, char** argv, int& exit_code) {
  RunCommand cmd;
  Workload& w = cmd.settings.workload;
  TargetOptions target;
  LoadFlags load;
  OutputFlags outputs;
  JudgementFlags judgement;
  DistributionFlags distribution;
  LiveFlags live;
  po::options_description desc(
      "loadgen: Locust-style load generator\n\n"
      "usage: loadgen [run] -H http://127.0.0.1:PORT -u USERS -r SPAWN_RATE -t RUN_TIME [options]\n"
      "       loadgen COMMAND ...   (the commands are listed below)\n\noptions");
  desc.add_options()("help,h", "show this help");
  target.add(desc, cmd.settings);
  load.add(desc, w);
  outputs.add(desc, cmd);
  judgement.add(desc, cmd);
  distribution.add(desc, w);
  live.add(desc, cmd);
  po::variables_map vm;
  const CommandLine cl("");
  if (auto done = cl.parse(argc, argv, desc, vm, kExitCodes)) {
    exit_code = *done;
    return std::nullopt;
  }
  auto fail = [&](const std::string& msg) {
    exit_code = cl.usage(msg);
    return std::nullopt;
  };
  // In this order: the load's mode and users before the shards that divide them, the users
  // before the threads that carry them, the scenario (target) before thresholds that name its
  // requests, the mode before the live view's steering checks.
  if (std::string e = target.apply(vm, cmd.settings); !e.empty()) return fail(e);
  if (std::string e = load.apply(vm, w); !e.empty()) return fail(e);
  if (std::string e = distribution.apply(vm, w); !e.empty()) return fail(e);
  if (w.poisson && w.mode != LoadMode::kRate) return fail("--poisson: only with --rate R");
  w.threads = w.load_threads();
  if (std::string e = judgement.apply(vm, cmd); !e.empty()) return fail(e);
  if (std::string e = outputs.apply(vm, cmd); !e.empty()) return fail(e);
  if (std::string e = live.apply(vm, cmd); !e.empty()) return fail(e);
  cmd.settings.command_line = redact_command_line(std::vector<std::string>(argv, argv + argc), &cmd.settings.redacted);
  return cmd;
}

}  // namespace lab
