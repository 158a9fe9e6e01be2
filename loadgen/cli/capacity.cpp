// loadgen capacity: options, the search, the document.
#include <boost/program_options.hpp>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <sstream>

#include "common/duration.h"
#include "common/output_file.h"
#include "loadgen/search/search.h"
#include "loadgen/cli/commands.h"
#include "loadgen/cli/outputs.h"
#include "common/environment.h"
#include "loadgen/live/forwarder.h"
#include "loadgen/live/view.h"
#include "common/format.h"
#include "loadgen/pacing/load_model.h"
#include "loadgen/workload/redact.h"
#include "loadgen/cli/target_options.h"

namespace po = boost::program_options;

namespace lab {

namespace {

const char kCapacityExitCodes[] =
    "exit codes:\n"
    "  0    a capacity was found (or a lower bound: max rate reached, budget spent, client-bound above a pass)\n"
    "  2    usage error: the message names the flag and the fix\n"
    "  4    the document could not be written\n"
    "  5    no capacity under this SLO: even the lowest step failed, or the client limited the first step\n"
    "  130  interrupted (the document is still written, marked interrupted)\n";

std::optional<std::chrono::nanoseconds> duration_flag(const std::string& v) { return parse_duration(v); }

// The search's shape as typed, checked by apply_steps.
struct StepFlags {
  std::string warmup = "1s", measure = "2s", budget = "5m", sweep = "1,2,4,8,16,32,64", sweep_step = "1s",
              think = "1-5", resolution = "5%";
};

// --slo METRIC=LIMIT..., each an upper limit the search holds every step to. "" or the mistake.
std::string apply_slos(const std::vector<std::string>& slos, CapacitySettings& s) {
  if (slos.empty()) return "--slo is required: what must hold, e.g. --slo p99=50ms --slo errors=0.1%";
  std::string err;
  for (const auto& e : slos) {
    const auto brace = e.rfind('}');  // p99{name=checkout}=200ms: the '=' after the selector (a name may hold })
    const auto eq = e.find('=', brace == std::string::npos ? 0 : brace);
    const std::string expr = eq == std::string::npos ? e : e.substr(0, eq) + "<=" + e.substr(eq + 1);
    auto spec = parse_threshold(expr, err);
    if (!spec || (spec->op != "<=" && spec->op != "<"))
      return "--slo: '" + e + "': " + (spec ? std::string("an objective is an upper limit (metric=limit)") : err);
    if (spec->metric == "rps" || spec->metric == "fidelity")
      return "--slo: '" + e + "': the search varies the rate; give latency or errors";
    s.slo.push_back(*spec);
  }
  {  // a per-name objective must name a request of the scenario
    std::vector<std::string> names;
    if (s.base.workload.scenario.from_file())
      for (const auto& r : s.base.workload.scenario.requests) names.push_back(r.name);
    if (std::string e = check_threshold_names(s.slo, names); !e.empty()) return "--slo: " + e;
  }
  return {};
}

// The steps' durations, the staircase and bisection, the sweep, the users' think time. "" or the mistake.
std::string apply_steps(const StepFlags& f, CapacitySettings& s) {
  for (auto [flag, text, out] : {std::tuple{"--warmup", &f.warmup, &s.warmup},
                                 {"--measure", &f.measure, &s.measure},
                                 {"--budget", &f.budget, &s.budget},
                                 {"--sweep-step", &f.sweep_step, &s.sweep_step}}) {
    auto d = duration_flag(*text);
    if (!d || d->count() <= 0) return std::string(flag) + ": '" + *text + "' is not a duration (e.g. 2s)";
    *out = *d;
  }
  for (auto [flag, d] : {std::pair{"--warmup", s.warmup}, {"--measure", s.measure}})
    if (d % std::chrono::seconds(1) != std::chrono::nanoseconds(0))
      return std::string(flag) + ": whole seconds (the measured window is made of the run's seconds), e.g. 1s, 2s";
  double res = 0;
  if (std::sscanf(f.resolution.c_str(), "%lf", &res) != 1 || !std::isfinite(res) || res <= 0 || res >= 100)
    return "--resolution: '" + f.resolution + "' is not a percentage between 0 and 100 (e.g. 5%)";
  s.resolution = res / 100;
  if (!(s.growth > 1)) return "--growth: must be > 1 (e.g. 1.5)";
  if (auto e = check_number("--growth", s.growth, 1.0001, 100, "1.5"); !e.empty()) return e;
  if (s.start_rate < 0 || !(s.max_rate > 0)) return "--start-rate/--max-rate: rates are > 0 req/s";
  if (auto e = check_number("--start-rate", s.start_rate, 0, kMaxRate, "1000"); !e.empty()) return e;
  if (auto e = check_number("--max-rate", s.max_rate, 1e-6, kMaxRate, "100000"); !e.empty()) return e;
  s.sweep.clear();
  if (f.sweep != "none") {
    std::istringstream in(f.sweep);
    for (std::string tok; std::getline(in, tok, ',');) {
      int n = 0;
      if (std::sscanf(tok.c_str(), "%d", &n) != 1 || n < 1)
        return "--sweep: '" + tok + "' is not a connection count (e.g. 1,2,4,8)";
      s.sweep.push_back(n);
    }
  }
  if (std::sscanf(f.think.c_str(), "%lf-%lf", &s.think_min_s, &s.think_max_s) != 2 || !std::isfinite(s.think_min_s) ||
      !std::isfinite(s.think_max_s) || s.think_min_s < 0 || s.think_max_s < s.think_min_s || s.think_max_s > 86400)
    return "--think: '" + f.think + "' is not MIN-MAX seconds (e.g. 1-5)";
  return {};
}

// The USL fit and the users it means, on the console.
void say_the_fits(const CapacitySettings& s, const CapacityDoc& d) {
  if (d.usl)
    std::fprintf(stderr, "capacity[%s]: USL fit lambda %.0f/s, sigma %.4f, kappa %.6f, R^2 %.3f%s\n", d.label.c_str(),
                 d.usl->lambda, d.usl->sigma, d.usl->kappa, d.usl->r2,
                 d.usl->n_star ? (", peak at " + fixed(*d.usl->n_star, "%.0f") + " connections").c_str() : "");
  if (d.users)
    std::fprintf(stderr, "capacity[%s]: equivalent to %s users thinking %g-%g s%s%s\n", d.label.c_str(),
                 commas(d.users->users).c_str(), s.think_min_s, s.think_max_s, d.users->verdict.empty() ? "" : "; ",
                 d.users->verdict.c_str());
}

}  // namespace

int capacity_main(int argc, char** argv) {
  CapacitySettings s;
  TargetOptions target;
  std::vector<std::string> slos;
  StepFlags flags;
  std::string json_path, live_hub;
  std::vector<std::string> outs;
  po::options_description desc(
      "loadgen capacity: the highest offered rate a target sustains within an SLO\n\n"
      "usage: loadgen capacity -H URL --slo p99=50ms [--slo errors=0.1%] [--json cap.json] [options]\n\n"
      "A closed-loop concurrency sweep (with a Universal Scalability Law fit), then an open-loop\n"
      "geometric staircase from half the sweep's best throughput until a step fails, then bisection to\n"
      "--resolution. Each step warms up, then measures; it passes if the SLO holds, errors stay under\n"
      "their limit (0.1% unless an errors SLO says otherwise), the achieved rate is within 2% of the\n"
      "offered one, the backlog does not grow and the client stayed healthy. The knee is translated into\n"
      "the number of think-time users it serves (Little's law).\n\noptions");
  desc.add_options()("help,h", "show this help");
  target.add(desc, s.base, 50);  // 50 connections unless -u says otherwise
  desc.add_options()("slo", po::value<std::vector<std::string>>(&slos),
                     "an objective, repeatable: p99=50ms, p95=10ms, avg=5ms, errors=0.1%")(
      "json", po::value<std::string>(&json_path), "write the capacity document here (- for standard output)")(
      "workload-name", po::value<std::string>(&s.workload_name)->default_value("custom"),
      "the workload's name in reports")("start-rate", po::value<double>(&s.start_rate)->default_value(0),
                                        "first step, req/s (0: half the sweep's best throughput)")(
      "max-rate", po::value<double>(&s.max_rate)->default_value(1e6), "highest rate to try, req/s")(
      "growth", po::value<double>(&s.growth)->default_value(1.5), "staircase factor")(
      "resolution", po::value<std::string>(&flags.resolution)->default_value("5%"),
      "bisect until last fail / last pass is within this")(
      "warmup", po::value<std::string>(&flags.warmup)->default_value("1s"), "per step: run this long before measuring")(
      "measure", po::value<std::string>(&flags.measure)->default_value("2s"), "per step: the measured window")(
      "budget", po::value<std::string>(&flags.budget)->default_value("5m"),
      "stop searching after this long (the bracket so far is reported)")(
      "sweep", po::value<std::string>(&flags.sweep)->default_value("1,2,4,8,16,32,64"),
      "closed-loop concurrency points, or none")(
      "sweep-step", po::value<std::string>(&flags.sweep_step)->default_value("1s"), "per sweep point")(
      "think", po::value<std::string>(&flags.think)->default_value("1-5"),
      "think time of the users the knee is expressed in, seconds MIN-MAX")(
      "confirm-users", po::bool_switch(&s.confirm_users), "run those users once (users mode) to confirm the knee")(
      "live-hub", po::value<std::string>(&live_hub),
      "ADDR:PORT: show every step on a job's live page (loadgen live-hub; LOADGEN_LIVE_TOKEN)")(
      "out", po::value<std::vector<std::string>>(&outs), out_help(false).c_str());
  po::variables_map vm;
  const CommandLine cl("capacity");
  auto fail = [&cl](const std::string& msg) { return cl.usage(msg); };
  if (auto done = cl.parse(argc, argv, desc, vm, kCapacityExitCodes)) return *done;
  if (std::string err = target.apply(vm, s.base); !err.empty()) return fail(err);
  s.base.workload.threads = s.base.workload.load_threads();
  if (!live_hub.empty() && !std::getenv("LOADGEN_LIVE_TOKEN"))
    return fail("--live-hub: LOADGEN_LIVE_TOKEN must hold the hub's secret");
  if (std::string e = apply_slos(slos, s); !e.empty()) return fail(e);
  if (std::string e = apply_steps(flags, s); !e.empty()) return fail(e);
  if (vm.count("json"))
    if (std::string e = check_output_flag("--json", json_path); !e.empty()) return fail(e);
  OutChoice out;
  for (const std::string& o : outs)
    if (std::string e = apply_out(o, out, false); !e.empty()) return fail(e);
  label_pushes(out, s.base.workload);
  std::vector<std::string> args = {"loadgen"};
  for (int i = 0; i < argc; ++i) args.push_back(argv[i]);
  s.command_line = redact_command_line(args, &s.base.redacted);

  // A job's live page (make capacity LIVE=PORT): every step is a run there; the search's answer a row.
  LiveHub hub;
  std::unique_ptr<LiveView> view;
  std::unique_ptr<LiveForwarder> forwarder;
  if (!live_hub.empty()) {
    view = std::make_unique<LiveView>(hub, nlohmann::json{{"job_item", s.workload_name + "/" + s.base.workload.label}});
    forwarder = std::make_unique<LiveForwarder>(hub, live_hub, std::getenv("LOADGEN_LIVE_TOKEN"));
    s.base.observers.push_back(view.get());
  }
  // Pushers: every step a run of its own series (its title the `step` label), the whole search one
  // testid (its start, unless given).
  std::vector<std::unique_ptr<Pusher>> pushers;
  for (PushOptions o : out.pushes) {
    if (o.testid.empty()) o.testid = "capacity-" + utc_timestamp();
    pushers.push_back(make_pusher(o, false));
    s.base.observers.push_back(pushers.back().get());
  }
  const CapacityDoc d = find_capacity(s);
  for (const auto& p : pushers) say_report(*p);
  if (forwarder) {
    const CapacityStep* k = d.knee_step();
    const CapacityStep* f = d.fail_step();
    hub.publish("row", json_text(nlohmann::json::array({s.workload_name, d.label, k ? rps_text(k->rate) : "-",
                                                        k ? ms(k->p99_ms) : "-",
                                                        f && !f->failed.empty() ? f->failed.front() : "-", d.status})));
    forwarder->finish();
  }
  if (!s.base.quiet) say_the_fits(s, d);
  try {
    if (!json_path.empty()) write_json_output(json_path, to_json(d));
  } catch (const std::exception& e) {
    return cl.error(e.what(), 4);
  }
  if (d.status == "interrupted") return 130;
  if (d.status == "below_first_step" || d.status == "not_run" || (d.status == "client_bound" && !d.knee)) return 5;
  return 0;
}

}  // namespace lab
