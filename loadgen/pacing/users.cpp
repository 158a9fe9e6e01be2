// Locust's users: the first request at once, then a think time drawn from U(wait_min, wait_max)
// after each response (wait_time = between(min, max)).
#include <algorithm>

#include "loadgen/pacing/load_model.h"
#include "loadgen/pacing/schedule.h"

namespace lab {

namespace {

class ThinkTime : public UserPacing {
 public:
  ThinkTime(const Workload& w, std::mt19937_64& rng) : rng_(rng), think_(w.wait_min_s, w.wait_max_s) {}
  PaceClock::time_point first(PaceClock::time_point spawned) override { return spawned; }
  PaceClock::time_point next(PaceClock::time_point, PaceClock::time_point done) override {
    return done + as_duration(think_(rng_));
  }
  PaceClock::time_point next_after(PaceClock::time_point, PaceClock::time_point done, const ThinkRange& t) override {
    return done + as_duration(std::uniform_real_distribution<double>(t.min_s, t.max_s)(rng_));
  }

 private:
  std::mt19937_64& rng_;
  std::uniform_real_distribution<double> think_;
};

class Users : public LoadModel {
 public:
  LoadMode mode() const override { return LoadMode::kUsers; }
  const char* name() const override { return "users"; }
  bool open_loop() const override { return false; }
  std::unique_ptr<UserPacing> pacing(const Workload& w, const Stages&, int, std::mt19937_64& rng) const override {
    return std::make_unique<ThinkTime>(w, rng);
  }
  // Each user, each time it was active (stages may stop and restart it): 1 + the renewal
  // function of U(a, b) over that time.
  std::optional<double> ideal_requests(const Workload& w, const ScheduleFacts& f) const override {
    // (requests with think times of their own make a mixture whose schedule is not computed)
    if (!(w.wait_max_s > 0) || !f.activations_s || w.scenario.per_request_think()) return std::nullopt;
    IdealUserSchedule sched(w.wait_min_s, w.wait_max_s);
    double sum = 0;
    for (const auto& [start, end] : *f.activations_s)
      sum += sched.expected_requests(std::min(end < 0 ? f.duration_s : end, f.duration_s) - start);
    return sum;
  }
  double connection_rate(const Workload& w) const override {
    return w.users / std::max(0.001, (w.wait_min_s + w.wait_max_s) / 2);
  }
};

}  // namespace

const LoadModel& users_model() {
  static const Users m;
  return m;
}

}  // namespace lab
