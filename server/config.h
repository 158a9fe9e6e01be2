#pragma once
// What the command line decided; read-only once the model runs.
#include <chrono>
#include <cstdint>
#include <string>

#include "common/http/reply.h"

namespace lab {

struct ServerConfig {
  std::string model;
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  Protocol protocol = Protocol::kSeed;
  bool verbose = false;
  int max_threads = 0;  // multithread, select-seed: live thread bound (0: sized from the fd limit)
  int workers = 0;      // prefork processes / threadpool threads / reactors (0: per model)
  int queue = 1024;     // threadpool: bounded queue capacity
  std::chrono::milliseconds read_timeout{10'000};
  std::chrono::milliseconds grace{5'000};
  std::chrono::milliseconds linger{1'000};
  std::uint64_t fd_limit = 0;  // in force after raising

  // The workload knobs (capacity): what each request costs the server.
  std::chrono::microseconds work{0};     // --work-us: CPU work (a calibrated busy loop)
  std::chrono::microseconds io_wait{0};  // --io-wait-ms: a simulated backend call
  bool io_wait_blocking = false;         // --io-wait-blocking: event loops block for it too
  bool echo = true;                      // reply body: the request (the original) ...
  std::string body;                      // ... or --body-bytes N bytes of this

  bool calibrate = false;        // --calibrate: measure the machine's costs instead of serving
  std::string calibration_json;  // --json FILE: where to write them

  /// multithread and select-seed: how many connection threads may live at once.
  std::size_t thread_limit() const;
};

}  // namespace lab
