// Closed loop at maximum throughput (wrk's model): each user sends its next request as soon as
// the previous response is in.
#include "loadgen/pacing/load_model.h"

namespace lab {

namespace {

class Immediately : public UserPacing {
 public:
  PaceClock::time_point first(PaceClock::time_point spawned) override { return spawned; }
  PaceClock::time_point next(PaceClock::time_point, PaceClock::time_point done) override { return done; }
};

class Max : public LoadModel {
 public:
  LoadMode mode() const override { return LoadMode::kMax; }
  const char* name() const override { return "max"; }
  bool open_loop() const override { return false; }
  std::unique_ptr<UserPacing> pacing(const Workload&, const Stages&, int, Rng&) const override {
    return std::make_unique<Immediately>();
  }
  std::optional<double> ideal_requests(const Workload&, const ScheduleFacts&) const override { return std::nullopt; }
  double connection_rate(const Workload&) const override { return 0; }  // unknown in advance
};

}  // namespace

const LoadModel& max_model() {
  static const Max m;
  return m;
}

}  // namespace lab
