// server: start the chosen concurrency model on a listener, print the ready line, run until
// SIGINT/SIGTERM, print a one-line summary.
#include <unistd.h>

#include <cstdio>
#include <string>

#include "common/net.h"
#include "server/model.h"
#include "server/options.h"
#include "server/stop.h"

int main(int argc, char** argv) {
  using namespace lab;
  int code = 0;
  auto parsed = parse_server_options(argc, argv, code);
  if (!parsed) return code;
  ServerConfig cfg = *parsed;
  const ModelInfo* model = find_model(cfg.model);

  ignore_sigpipe();
  install_stop_handlers();
  FdLimit lim = raise_fd_limit();
  cfg.fd_limit = lim.soft;
  std::fprintf(stderr, "server: fd limit %llu (hard %llu)%s; somaxconn %d\n",
               static_cast<unsigned long long>(lim.soft), static_cast<unsigned long long>(lim.hard),
               lim.raised ? ", soft limit raised to the hard limit" : "", somaxconn());

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
  ServerStats& stats = make_shared_stats();
  std::printf("listening %s:%u model=%s protocol=%s pid=%d\n", cfg.host.c_str(), cfg.port,
              cfg.model.c_str(), to_string(cfg.protocol), static_cast<int>(getpid()));
  std::fflush(stdout);

  int rc = model->run(ModelContext{cfg, stats, lfd});
  ::close(lfd);
  std::fflush(stdout);
  std::fprintf(stderr, "server: stopped model=%s %s\n", cfg.model.c_str(), stats.summary().c_str());
  return rc;
}
