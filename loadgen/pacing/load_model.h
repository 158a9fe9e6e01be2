#pragma once
// The pacing seam: when each virtual user sends, in the spirit of Locust's wait_time functions.
// A load mode is one LoadModel (a file of its own: pacing/users.cpp, max.cpp, rate.cpp)
// registered in load_model.cpp's table; the user loop (run/user.cpp), the engine, the result
// document and the preflight ask it, and never test the mode themselves.
//
// Adding a load mode: write pacing/<name>.cpp with a LoadModel and its UserPacing, add its
// LoadMode value (workload/workload.h) and one line to the table in load_model.cpp, and its
// command-line flag in cli/run.cpp. Nothing else changes.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "loadgen/shape/rng.h"
#include "loadgen/workload/workload.h"

namespace lab {

using PaceClock = std::chrono::steady_clock;

/// The slots of an open-loop schedule that were due but never sent, from the first of them up
/// to the end: `count` slots, which would have been late by first_late_ns, first_late_ns -
/// step_ns, ... at the end. Counted, not walked: a high rate leaves millions.
struct UnsentSlots {
  std::uint64_t count = 0, first_late_ns = 0, step_ns = 0;
};

/// One user's schedule: the time its first request is due, and each next one.
class UserPacing {
 public:
  virtual ~UserPacing() = default;
  /// When the first request is due, for a user spawned at `spawned`.
  virtual PaceClock::time_point first(PaceClock::time_point spawned) = 0;
  /// When the next request is due, after one that was due at `due` and completed at `done`.
  virtual PaceClock::time_point next(PaceClock::time_point due, PaceClock::time_point done) = 0;
  /// The same after a request with a think time of its own (--scenario): a closed-loop user
  /// waits that instead of its usual think time; the other modes ignore it.
  virtual PaceClock::time_point next_after(PaceClock::time_point due, PaceClock::time_point done, const ThinkRange&) {
    return next(due, done);
  }
  /// Open loop: the slots from `due` (never sent) up to `until`; closed loops have none.
  virtual UnsentSlots unsent(PaceClock::time_point /*due*/, PaceClock::time_point /*until*/) { return {}; }
};

/// What a run's ideal schedule is computed from (after the run).
struct ScheduleFacts {
  double duration_s = 0;
  // Each time a user was active: from its start to its end (seconds after the run's start;
  // an end < 0: still active when the run ended).
  const std::vector<std::pair<double, double>>* activations_s = nullptr;
  double share = 1;              // the part of the workload this process ran (a shard: own users / users)
  const Stages* plan = nullptr;  // the plan the run followed, if it was steered (else the workload's)
};

class LoadModel {
 public:
  virtual ~LoadModel() = default;
  virtual LoadMode mode() const = 0;
  /// The mode's name in results and messages: "users", "max", "rate".
  virtual const char* name() const = 0;
  /// Open loop: requests are due whether or not the last one returned; latency is measured from
  /// the due time (wrk2's correction), late and unsent requests are counted.
  virtual bool open_loop() const = 0;
  /// The pacing of user `user` (0-based, of `users`), drawing from `rng` (the user's own).
  /// `plan` is the run's target over time as this user's thread sees it (--stages, --rate-stages
  /// or a steered run; empty when the run has none); the pacing may keep a reference to it.
  virtual std::unique_ptr<UserPacing> pacing(const Workload& w, const Stages& plan, int user, Rng& rng) const = 0;
  /// Requests a perfect client would have sent; nullopt when the mode has no schedule (max).
  virtual std::optional<double> ideal_requests(const Workload& w, const ScheduleFacts& f) const = 0;
  /// New connections per second the workload asks for (for the ephemeral-port warning); 0: unknown.
  virtual double connection_rate(const Workload& w) const = 0;
  /// A warning to print before the run ("" for none).
  virtual std::string warning(const Workload&) const { return {}; }
};

/// The model of `mode` (every LoadMode has one).
const LoadModel& load_model(LoadMode mode);
/// Every registered model, for help texts and tests.
const std::vector<const LoadModel*>& load_models();

/// The highest --rate: one request per nanosecond, what the clock can space.
inline constexpr double kMaxRate = 1e9;

/// The registered models (defined in their own files).
const LoadModel& users_model();
const LoadModel& max_model();
const LoadModel& rate_model();

/// `d` seconds as the clock's duration, saturated at +-100 years (a conversion out of the
/// clock's range would be undefined) and 0 for NaN.
inline PaceClock::duration as_duration(double d) {
  constexpr double kLimit = 100.0 * 365 * 86400;
  if (!(d == d)) return PaceClock::duration::zero();
  d = d > kLimit ? kLimit : d < -kLimit ? -kLimit : d;
  return std::chrono::duration_cast<PaceClock::duration>(std::chrono::duration<double>(d));
}

}  // namespace lab
