#pragma once
// Each model's capacity predicted from the machine's own costs (make calibrate), where the
// model's mechanism allows a simple model: one CPU does 1 / (the CPU cost of a request) requests a
// second, and a pool of W blocking workers waiting D each does W / D. The formula is stated with
// every prediction, so a disagreement with the measurement says which cost it forgot.
#include <optional>
#include <string>

#include "common/calibration.h"

namespace lab {

/// What shapes a request's cost: the model, its knobs and the client's connections.
struct PredictInput {
  std::string model;
  bool new_connection = true;   // a connection per request (the seed protocol, or no --keepalive)
  int connections = 50;         // the client's concurrent connections (users)
  int workers = 0;              // --workers (0: the model's default)
  double work_us = 0;           // --work-us
  double io_wait_ms = 0;        // --io-wait-ms
  bool io_wait_blocks = false;  // the wait blocks the serving thread (blocking models, --io-wait-blocking)
  long long body_bytes = -1;    // --body-bytes (-1: the echo)
};

struct Prediction {
  double rps = 0;
  std::string formula;  // "1 / (fork_exit_wait 164 + accept_close 7.4 + round trip/2 6.9 us) = 5,660/s"
};

/// nullopt when the mechanism is not a matter of costs (select over descriptors it cannot hold)
/// or a cost it needs was not measured; `why_not` then says which. A pool with more kept-alive
/// connections than workers is predicted as a new connection per request (it ends a connection
/// with its reply when others wait).
std::optional<Prediction> predict(const PredictInput& in, const Calibration& c, std::string* why_not = nullptr);

/// The concurrency bound where a wait blocks the serving thread or process: W of them, each busy
/// `cpu_us` besides the wait, serve at most W / (wait + CPU) a second; nullopt where no wait blocks.
std::optional<Prediction> waiting_bound(const PredictInput& in, double cpu_us, int cpus_online);

/// The limit the server's service demand allows (the bottleneck law): `d_us` of CPU per request,
/// measured in the run from the server's cgroup, on `cpus` CPUs (its pinning, or its CPU limit),
/// gives at most cpus / D requests a second, or the concurrency bound if that is lower (the
/// formula names which binds). Every cost is measured, not calibrated.
Prediction project(const PredictInput& in, double d_us, double cpus, int cpus_online);

/// measured / predicted, and whether it is more than 25% away (the flag).
struct Agreement {
  double ratio = 0;
  bool off = false;
};
Agreement agreement(double measured, double predicted);

}  // namespace lab
