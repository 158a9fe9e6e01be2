// loadgen run: the run itself (its command line is run_options.cpp): the live view or a job's hub
// beside it, the run, its table, its outputs told the end (pushers, files, live view), the exit code.
#include "loadgen/cli/run.h"

#include <cstdio>
#include <memory>
#include <thread>

#include "common/output_file.h"
#include "loadgen/cli/commands.h"
#include "loadgen/cli/outputs.h"
#include "loadgen/live/forwarder.h"
#include "loadgen/live/view.h"
#include "loadgen/output/run_table.h"
#include "loadgen/outputs/files.h"
#include "loadgen/run/preflight.h"

namespace lab {

int run_main(int argc, char** argv) {
  int code = 0;
  auto cmd = parse_run_options(argc, argv, code);
  if (!cmd) return code;
  // The outputs (run/observer.h), in the order they are told: the pushers first (they add their
  // reports to the result), then the files, then the live view (which says where the files went).
  std::vector<std::unique_ptr<Pusher>> pushers;
  for (const PushOptions& o : cmd->out.pushes) {
    pushers.push_back(make_pusher(o, cmd->out.required));
    cmd->settings.observers.push_back(pushers.back().get());
  }
  // The live view: its URL is the first line printed, before the run starts.
  LiveHub hub;
  Steering steering;
  std::unique_ptr<LiveServer> server;
  std::unique_ptr<LiveView> view;
  if (cmd->live) {
    LiveOptions o = *cmd->live;
    o.steering = &steering;
    o.max_users = steerable_users(cmd->settings.workload);
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
    cmd->settings.observers.push_back(view.get());
    if (o.control) cmd->settings.steering = &steering;
    cmd->settings.reserved_fds = static_cast<int>(o.max_connections);  // the listener's connections, at most
  }
  std::unique_ptr<LiveForwarder> forwarder;
  if (!cmd->live_hub.empty()) {  // a run of a job: its events go to the job's hub
    view =
        std::make_unique<LiveView>(hub, nlohmann::json{{"job_item", cmd->settings.workload.label}, {"job_row", true}});
    forwarder = std::make_unique<LiveForwarder>(hub, cmd->live_hub, std::getenv("LOADGEN_LIVE_TOKEN"));
    cmd->settings.observers.push_back(view.get());
  }
  RunResult r = run_load(cmd->settings);
  if (!r.preflight_error.empty()) {
    std::fprintf(stderr, "loadgen: cannot start: %s\n", r.preflight_error.c_str());
    return 3;
  }
  // With --json - (or /dev/stdout, /dev/fd/1) the document owns standard output; the table goes
  // to stderr.
  const bool json_on_stdout = cmd->out.json_path == "-" || named_descriptor(cmd->out.json_path) == 1;
  if (!cmd->settings.quiet) print_run_table(r.result, json_on_stdout ? stderr : stdout);
  if (r.result.status != "ok") std::fprintf(stderr, "loadgen: %s\n", r.result.error.c_str());
  if (!r.aborted_by.empty()) std::fprintf(stderr, "loadgen: stopped %s (exit 6)\n", r.result.stopped.c_str());
  FilesOutput files;
  files.json_path = cmd->out.json_path;
  files.csv_prefix = cmd->out.csv_prefix;
  files.hlog_path = cmd->out.hlog_path;
  std::vector<RunObserver*> outputs;
  for (const auto& p : pushers) outputs.push_back(p.get());
  outputs.push_back(&files);
  if (view) outputs.push_back(view.get());
  const RunEnd end = end_outputs(outputs, r.result);
  for (const auto& p : pushers) say_report(*p);
  for (const std::string& e : end.errors) std::fprintf(stderr, "loadgen: %s\n", e.c_str());
  if (forwarder) {
    forwarder->finish();
  } else if (view) {
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
  return end.errors.empty() ? exit_code(r, cmd->fail_on_errors) : 4;
}

}  // namespace lab
