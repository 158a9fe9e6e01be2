// Locust's users: the first request at once, then a wait after each response as --wait shapes it
// (between(min, max) by default; constant, constant_pacing, constant_throughput, poisson: wait.h).
#include <algorithm>
#include <random>

#include "loadgen/pacing/load_model.h"
#include "loadgen/pacing/schedule.h"

namespace lab {

namespace {

class ThinkTime : public UserPacing {
 public:
  ThinkTime(const Workload& w, Rng& rng) : rng_(rng), shape_(w.wait_shape), think_(w.wait_min_s, w.wait_max_s) {}
  PaceClock::time_point first(PaceClock::time_point spawned) override { return spawned; }
  PaceClock::time_point next(PaceClock::time_point due, PaceClock::time_point done) override {
    // between: the same draw as ever (one uniform per response), so seeds keep their schedules
    if (!shape_) return done + as_duration(think_(rng_));
    return after(*shape_, due, done);
  }
  PaceClock::time_point next_after(PaceClock::time_point due, PaceClock::time_point done,
                                   const ThinkRange& t) override {
    if (!t.shape) return done + as_duration(std::uniform_real_distribution<double>(t.min_s, t.max_s)(rng_));
    return after(*t.shape, due, done);
  }

 private:
  // pacing and throughput: the next start a period after this one's (at once if the response
  // took longer); the others: a think time after the response.
  PaceClock::time_point after(const WaitShape& w, PaceClock::time_point due, PaceClock::time_point done) {
    if (const double period = w.period_s(); period > 0) return std::max(done, due + as_duration(period));
    return done + as_duration(w.think_s(rng_));
  }
  Rng& rng_;
  std::optional<WaitShape> shape_;  // absent: between, drawn by think_
  std::uniform_real_distribution<double> think_;
};

class Users : public LoadModel {
 public:
  LoadMode mode() const override { return LoadMode::kUsers; }
  const char* name() const override { return "users"; }
  bool open_loop() const override { return false; }
  std::unique_ptr<UserPacing> pacing(const Workload& w, const Stages&, int, Rng& rng) const override {
    return std::make_unique<ThinkTime>(w, rng);
  }
  // Each user, each time it was active (stages may stop and restart it): 1 + the renewal
  // function of U(a, b) over that time.
  std::optional<double> ideal_requests(const Workload& w, const ScheduleFacts& f) const override {
    // (requests with think times of their own make a mixture whose schedule is not computed)
    if (!(w.wait_max_s > 0) || !f.activations_s || w.scenario.per_request_think()) return std::nullopt;
    IdealUserSchedule sched(w.wait_min_s, w.wait_max_s);  // (its cache serves users of like active times)
    double sum = 0;
    for (const auto& [start, end] : *f.activations_s) {
      const double active = std::min(end < 0 ? f.duration_s : end, f.duration_s) - start;
      sum += w.wait_shape ? expected_requests(*w.wait_shape, active) : sched.expected_requests(active);
    }
    return sum;
  }
  double connection_rate(const Workload& w) const override {
    const double gap = w.wait_shape ? w.wait_shape->mean_gap_s() : (w.wait_min_s + w.wait_max_s) / 2;
    return w.users / std::max(0.001, gap);
  }
};

}  // namespace

const LoadModel& users_model() {
  static const Users m;
  return m;
}

}  // namespace lab
