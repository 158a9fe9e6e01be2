#include "server/options.h"

#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>

#include "common/duration.h"
#include "server/model.h"

namespace po = boost::program_options;

namespace lab {

namespace {
bool duration_opt(const po::variables_map& vm, const char* name, std::chrono::milliseconds& out, std::string& err) {
  if (!vm.count(name)) return true;
  auto d = parse_duration(vm[name].as<std::string>());
  if (!d) {
    err =
        std::string("--") + name + ": '" + vm[name].as<std::string>() + "' is not a duration (use e.g. 10s, 500ms, 1m)";
    return false;
  }
  out = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
  return true;
}
}  // namespace

std::optional<ServerConfig> parse_server_options(int argc, char** argv, int& exit_code) {
  ServerConfig cfg;
  po::options_description desc(
      "server: one tiny HTTP responder, many concurrency models\n\n"
      "usage: server --model M [options]\n\noptions");
  int port = 8080;
  std::string protocol = "seed";
  long long work_us = 0, body_bytes = -1;
  double io_wait_ms = 0;
  desc.add_options()("help,h", "show this help")("list-models", "list the models and exit")(
      "model,m", po::value<std::string>(&cfg.model), "concurrency model (see --list-models)")(
      "host", po::value<std::string>(&cfg.host)->default_value("127.0.0.1"), "IPv4 address to bind")(
      "port,p", po::value<int>(&port)->default_value(8080), "TCP port; 0 picks a free one")(
      "protocol", po::value<std::string>(&protocol)->default_value("seed"),
      "seed (the original reply, close after it) or http11 (CRLF, Content-Length, keep-alive)")(
      "verbose,v", po::bool_switch(&cfg.verbose), "print every request like the original server")(
      "max-threads", po::value<int>(&cfg.max_threads)->default_value(0),
      "multithread: bound on live threads (0: sized from the fd limit)")(
      "workers", po::value<int>(&cfg.workers)->default_value(0),
      "prefork processes / threadpool threads / reactors (0: the model's default)")(
      "queue", po::value<int>(&cfg.queue)->default_value(1024), "threadpool: accept queue capacity")(
      "read-timeout", po::value<std::string>()->default_value("10s"),
      "close a connection whose request is not complete in this time")(
      "grace", po::value<std::string>()->default_value("5s"), "on SIGINT/SIGTERM, time allowed for in-flight replies")(
      "linger", po::value<std::string>()->default_value("1s"),
      "lingering close: how long to drain a client after the reply")(
      "work-us", po::value<long long>(&work_us)->default_value(0),
      "CPU work per request, microseconds (a calibrated busy loop on the serving thread)")(
      "io-wait-ms", po::value<double>(&io_wait_ms)->default_value(0),
      "a simulated backend call per request, milliseconds: blocking models wait blocked, "
      "event-driven models wait on a timer of their own loop")(
      "io-wait-blocking", po::bool_switch(&cfg.io_wait_blocking),
      "event-driven models block their loop for the backend call too (the classic mistake)")(
      "body-bytes", po::value<long long>(&body_bytes)->default_value(-1),
      "reply body of N bytes instead of the echo of the request (both protocols; -1: echo)")(
      "calibrate", po::bool_switch(&cfg.calibrate),
      "measure this machine's costs (fork, threads, switches, connections, readiness, copies) and exit; "
      "make calibrate pins it to the server's CPU")("json", po::value<std::string>(&cfg.calibration_json),
                                                    "with --calibrate: write the calibration document here");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "server: " << e.what() << "\n(see server --help)\n";
    exit_code = 2;
    return std::nullopt;
  }
  if (vm.count("help")) {
    std::cout << desc << "\n";
    exit_code = 0;
    return std::nullopt;
  }
  if (vm.count("list-models")) {
    for (const auto& m : all_models())
      std::printf("%-13s keepalive=%-3s event_driven=%-3s %s\n", m.name, m.keeps_alive ? "yes" : "no",
                  m.event_driven ? "yes" : "no", m.summary);
    exit_code = 0;
    return std::nullopt;
  }
  auto fail = [&](const std::string& msg) {
    std::cerr << "server: " << msg << "\n";
    exit_code = 2;
    return std::nullopt;
  };
  if (cfg.calibrate) {
    if (vm.count("model")) return fail("--calibrate measures the machine, not a model: leave --model out");
    return cfg;
  }
  if (vm.count("json")) return fail("--json: only with --calibrate (the server writes no other document)");
  if (cfg.model.empty()) return fail("--model is required (one of: see server --list-models)");
  if (!find_model(cfg.model)) {
    std::string names;
    for (const auto& m : all_models()) names += std::string(names.empty() ? "" : ", ") + m.name;
    return fail("--model: unknown model '" + cfg.model + "' (choose one of: " + names + ")");
  }
  if (port < 0 || port > 65535)
    return fail("--port: " + std::to_string(port) + " is out of range (use 0..65535; 0 picks a free port)");
  cfg.port = static_cast<std::uint16_t>(port);
  if (!parse_protocol(protocol, cfg.protocol))
    return fail("--protocol: '" + protocol + "' is unknown (use seed or http11)");
  if (cfg.max_threads < 0) return fail("--max-threads: must be >= 0 (0 sizes it from the fd limit)");
  if (cfg.workers < 0 || cfg.workers > 1024) return fail("--workers: must be 0..1024 (0 picks the model's default)");
  if (cfg.queue < 1) return fail("--queue: must be >= 1");
  std::string err;
  if (!duration_opt(vm, "read-timeout", cfg.read_timeout, err) || !duration_opt(vm, "grace", cfg.grace, err) ||
      !duration_opt(vm, "linger", cfg.linger, err))
    return fail(err);
  if (cfg.read_timeout.count() <= 0) return fail("--read-timeout: must be > 0 (e.g. 10s)");
  if (work_us < 0 || work_us > 10'000'000)
    return fail("--work-us: must be 0..10000000 (microseconds of CPU per request)");
  cfg.work = std::chrono::microseconds(work_us);
  if (!(io_wait_ms >= 0) || io_wait_ms > 600'000)
    return fail("--io-wait-ms: must be 0..600000 (milliseconds, e.g. 20)");
  cfg.io_wait = std::chrono::microseconds(static_cast<long long>(io_wait_ms * 1000));
  if (cfg.io_wait_blocking && cfg.io_wait.count() == 0)
    return fail("--io-wait-blocking: only with --io-wait-ms N (there is no wait to block on)");
  if (body_bytes < -1 || body_bytes > 64LL * 1024 * 1024) return fail("--body-bytes: must be -1 (echo) or 0..67108864");
  if (body_bytes >= 0) {
    cfg.echo = false;
    cfg.body.assign(static_cast<std::size_t>(body_bytes), 'x');
  }
  return cfg;
}

}  // namespace lab
