// server: start the chosen concurrency model on a listener, print the ready line, run until
// SIGINT/SIGTERM, print a one-line summary. Failures of the process's own set-up are reported
// here: library code returns them instead of exiting.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "common/net.h"
#include "server/calibrate/calibrate.h"
#include "server/model.h"
#include "server/options.h"
#include "server/stop.h"
#include "server/work.h"

int main(int argc, char** argv) {
  using namespace lab;
  int code = 0;
  auto parsed = parse_server_options(argc, argv, code);
  if (!parsed) return code;
  ServerConfig cfg = *parsed;
  if (cfg.calibrate) return run_calibration(cfg.calibration_json);
  const ModelInfo* model = find_model(cfg.model);

  ignore_sigpipe();
  if (!install_stop_handlers()) {
    std::fprintf(stderr, "server: cannot set up the stop signal (eventfd/sigaction): %s\n", std::strerror(errno));
    return 1;
  }
  FdLimit lim = raise_fd_limit();
  cfg.fd_limit = lim.soft;
  std::fprintf(stderr, "server: fd limit %llu (hard %llu)%s; somaxconn %d\n", static_cast<unsigned long long>(lim.soft),
               static_cast<unsigned long long>(lim.hard), lim.raised ? ", soft limit raised to the hard limit" : "",
               somaxconn());
  const double loop_speed = cfg.work.count() > 0 ? calibrate_busy_work() : 0;

  ListenOptions lo;
  lo.host = cfg.host;
  lo.port = cfg.port;
  lo.reuseport = model->reuseport;
  lo.nonblocking = true;
  std::string err;
  int lfd = make_listener(lo, err);
  if (lfd < 0) {
    std::fprintf(stderr, "server: cannot listen: %s\n", err.c_str());
    return 1;
  }
  cfg.port = local_port(lfd);
  ServerStats* stats = make_shared_stats();
  if (!stats) {
    std::fprintf(stderr, "server: cannot map the shared counters: %s\n", std::strerror(errno));
    return 1;
  }
  // The ready line: "listening HOST:PORT" first (what scripts wait for), then key=value pairs
  // for everything that shapes what a request costs (docs/models.md).
  std::printf(
      "listening %s:%u model=%s protocol=%s pid=%d keepalive=%s event_driven=%s work_us=%lld "
      "io_wait_ms=%g io_wait=%s body_bytes=%lld loop_iterations_per_us=%.0f\n",
      cfg.host.c_str(), cfg.port, cfg.model.c_str(), to_string(cfg.protocol), static_cast<int>(getpid()),
      model->keeps_alive ? "yes" : "no", model->event_driven ? "yes" : "no", static_cast<long long>(cfg.work.count()),
      static_cast<double>(cfg.io_wait.count()) / 1000.0,
      cfg.io_wait.count() == 0 ? "none" : (model->event_driven && !cfg.io_wait_blocking ? "timer" : "blocking"),
      cfg.echo ? -1LL : static_cast<long long>(cfg.body.size()), loop_speed);
  std::fflush(stdout);

  int rc = model->run(ModelContext{cfg, *stats, lfd, *model});
  ::close(lfd);
  std::fflush(stdout);
  std::fprintf(stderr, "server: stopped model=%s %s\n", cfg.model.c_str(), stats->summary().c_str());
  return rc;
}
