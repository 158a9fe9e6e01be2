#pragma once
// What a run tells someone watching it (the live view), and what it takes from someone steering
// it. Both are called on the engine's own thread, once a second or at a change, never by a load
// thread: a watcher can never slow the load.
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace lab {

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
  /// The result, once written (`files`: where).
  virtual void on_end(const Result& result, const nlohmann::json& files) = 0;
};

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
