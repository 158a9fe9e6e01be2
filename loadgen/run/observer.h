#pragma once
// The seam every output of a run sits on (docs/outputs.md): the live view, a job's hub forwarder,
// the files written at the end, and the pushers (Prometheus remote write, InfluxDB) are each a
// RunObserver; the engine tells the list of them the run's start, each second and each control,
// on its own thread, never a load thread's; the command tells them the end, in order. An output
// that does I/O does it on a thread of its own with a bounded backlog (loadgen/outputs/pusher.h):
// a slow or failing output can never slow the load. The same header holds what steering a run takes.
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace lab {

/// The end of a run as the outputs are told it, in their order: each may add its report to the
/// result (`result.outputs`) before the files write it, and says what it wrote (`files`); an
/// output that fails says why in `errors` (the command's exit code is then 4).
struct RunEnd {
  explicit RunEnd(Result& r) : result(r) {}
  Result& result;
  nlohmann::json files = nlohmann::json::object();
  std::vector<std::string> errors;
};

class RunObserver {
 public:
  virtual ~RunObserver() = default;
  /// At the run's origin: what it runs (the workload, the request names, the start time, the
  /// plan's target), as the live view's `hello`.
  virtual void on_start(const nlohmann::json& hello) = 0;
  /// Each second: that second's point, the plan's target now (users, or requests/s in rate
  /// mode), and the result so far (the --json schema, over the seconds so far; the observer may
  /// keep it).
  virtual void on_tick(const SeriesPoint& point, double target, std::shared_ptr<const Result> so_far) = 0;
  /// A change taken from the steering, as the result records it.
  virtual void on_control(const nlohmann::json& change) = 0;
  /// The run is over (its result final, less what the outputs before this one add).
  virtual void on_end(RunEnd& end) = 0;
};

/// Tells each output the end, in order; an output that throws is recorded in `errors` and the
/// rest are still told.
inline RunEnd end_outputs(const std::vector<RunObserver*>& outputs, Result& result) {
  RunEnd end(result);
  for (RunObserver* o : outputs) {
    try {
      o->on_end(end);
    } catch (const std::exception& e) {
      end.errors.emplace_back(e.what());
    }
  }
  return end;
}

/// A change asked for while the run goes on (POST /control): the users and how fast they start
/// or leave (closed loops), the open-loop rate, or the end of the run.
struct ControlChange {
  std::optional<int> users;
  std::optional<double> spawn_rate;  // users/s for the change (0 or absent: at once)
  std::optional<double> rate;
  bool stop = false;
};

/// Changes on their way to the engine, which takes them at its next look (every 20 ms).
/// Thread-safe.
class Steering {
 public:
  /// Queues the change; false (and nothing queued) once a stop has been asked for: a run stops
  /// once, and a second stop is not a second event.
  bool request(const ControlChange& c) {
    std::lock_guard lk(mu_);
    if (stopping_) return false;
    stopping_ = c.stop;
    queue_.push_back(c);
    return true;
  }
  std::optional<ControlChange> take() {
    std::lock_guard lk(mu_);
    if (queue_.empty()) return std::nullopt;
    ControlChange c = queue_.front();
    queue_.pop_front();
    return c;
  }

 private:
  std::mutex mu_;
  std::deque<ControlChange> queue_;
  bool stopping_ = false;
};

}  // namespace lab
