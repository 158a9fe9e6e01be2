// Open loop at a constant rate (wrk2's model): each of the users owns an equal share of the
// schedule, its slots every users/rate seconds, evenly staggered so that together they send
// exactly every 1/rate seconds (with --poisson: exponential gaps, each user starting at a random
// point of its first interval). A slot is due whether or not the last response came back.
#include <algorithm>
#include <random>
#include <cmath>
#include <cstdio>

#include "loadgen/pacing/load_model.h"

namespace lab {

namespace {

std::uint64_t ns_between(PaceClock::time_point a, PaceClock::time_point b) {
  return b > a ? static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count()) : 0;
}

// `n` slots spread evenly from `due` to `until`: the latencies they would have had at `until`.
UnsentSlots spread(PaceClock::time_point due, PaceClock::time_point until, std::uint64_t n) {
  if (n == 0 || until <= due) return {};
  const std::uint64_t span = ns_between(due, until);
  return {n, span, n > 1 ? span / n : 0};
}

// Each slot's time is computed from its number (origin + phase + k x interval), never by adding
// intervals, so that no rounding accumulates and no interval truncates to zero.
class Slots : public UserPacing {
 public:
  Slots(const Workload& w, int user, Rng& rng)
      : rng_(rng), interval_s_(w.users / w.rate), poisson_(w.poisson), gap_(1.0 / interval_s_) {
    std::uniform_real_distribution<double> random_phase(0, interval_s_);
    phase_s_ = poisson_ ? random_phase(rng_) : interval_s_ * (user + 0.5) / w.users;
  }
  PaceClock::time_point first(PaceClock::time_point spawned) override {
    origin_ = spawned;
    k_ = 0;
    offset_s_ = phase_s_;
    return origin_ + as_duration(offset_s_);
  }
  PaceClock::time_point next(PaceClock::time_point, PaceClock::time_point) override {
    ++k_;
    offset_s_ = poisson_ ? offset_s_ + gap_(rng_) : phase_s_ + static_cast<double>(k_) * interval_s_;
    return origin_ + as_duration(offset_s_);
  }
  // From `due` to `until`: every interval one slot (Poisson: as many as expected, evenly).
  UnsentSlots unsent(PaceClock::time_point due, PaceClock::time_point until) override {
    if (until <= due) return {};
    const double span_s = std::chrono::duration<double>(until - due).count();
    return spread(due, until, 1 + static_cast<std::uint64_t>(std::floor(span_s / interval_s_)));
  }

 private:
  Rng& rng_;
  double interval_s_, phase_s_ = 0, offset_s_ = 0;
  bool poisson_;
  std::exponential_distribution<double> gap_;
  PaceClock::time_point origin_{};
  std::uint64_t k_ = 0;
};

// --rate-stages: the schedule's arrivals follow the rate's integral A(t). Arrival n (0-based) is
// due at A^-1(n + 0.5); connection u of U owns arrivals u, u + U, u + 2U, ... (with a constant
// rate, exactly the staggered slots above).
class StagedSlots : public UserPacing {
 public:
  StagedSlots(const Workload& w, const Stages& plan, int user) : stages_(plan), user_(user), users_(w.users) {}
  PaceClock::time_point first(PaceClock::time_point spawned) override {
    origin_ = spawned;
    m_ = 0;
    return at();
  }
  PaceClock::time_point next(PaceClock::time_point, PaceClock::time_point) override {
    ++m_;
    return at();
  }
  // The arrivals of this connection with A(t) < A(until): counted from the integral.
  UnsentSlots unsent(PaceClock::time_point due, PaceClock::time_point until) override {
    if (until <= due) return {};
    const double a = stages_.integral_to(std::chrono::duration<double>(until - origin_).count());
    const double own = (a - (user_ + 0.5)) / users_;  // this connection's arrivals before `until`, minus one
    const double before = std::floor(own) + 1;
    const double n = before - static_cast<double>(m_);
    return spread(due, until, n > 0 ? static_cast<std::uint64_t>(n) : 1);
  }

 private:
  PaceClock::time_point at() const {
    const auto t = stages_.time_of_integral(user_ + 0.5 + static_cast<double>(m_) * users_);
    return origin_ + as_duration(t ? *t : stages_.total_s() + 3600);  // none left: after the end
  }
  const Stages& stages_;
  int user_, users_;
  std::uint64_t m_ = 0;
  PaceClock::time_point origin_{};
};

class Rate : public LoadModel {
 public:
  LoadMode mode() const override { return LoadMode::kRate; }
  const char* name() const override { return "rate"; }
  bool open_loop() const override { return true; }
  std::unique_ptr<UserPacing> pacing(const Workload& w, const Stages& plan, int user, Rng& rng) const override {
    if (!plan.empty()) return std::make_unique<StagedSlots>(w, plan, user);
    return std::make_unique<Slots>(w, user, rng);
  }
  // Each connection's schedule starts when it is spawned (--spawn-rate opens them in turn): its
  // share of the rate over the time it was active.
  std::optional<double> ideal_requests(const Workload& w, const ScheduleFacts& f) const override {
    const Stages& plan = f.plan ? *f.plan : w.stages;
    if (!plan.empty()) return plan.integral_to(f.duration_s) * f.share;
    if (!f.activations_s) return w.rate * f.duration_s * f.share;
    double active_s = 0;
    for (const auto& [start, end] : *f.activations_s)
      active_s += std::max(0.0, std::min(end < 0 ? f.duration_s : end, f.duration_s) - start);
    return w.rate / w.users * active_s;
  }
  double connection_rate(const Workload& w) const override { return w.rate; }
  // Each user sends its share one request at a time, so a request slower than the user's
  // interval delays the rest of its schedule (counted as unsent, and in the corrected latency).
  std::string warning(const Workload& w) const override {
    const double interval_ms = 1000.0 * w.users / w.rate;
    if (interval_ms >= 2.0) return {};
    const int suggest = static_cast<int>(std::ceil(w.rate * 0.010));  // a 10 ms budget per request
    char text[512];
    std::snprintf(text, sizeof text,
                  "--rate %.0f over %d connection(s): each must complete a request every %.3f ms to keep the "
                  "schedule; a slower request delays the rest of its connection's schedule (reported as unsent and "
                  "in the corrected latency). Fix: more connections, e.g. -u %d for a 10 ms budget per request",
                  w.rate, w.users, interval_ms, suggest);
    return text;
  }
};

}  // namespace

const LoadModel& rate_model() {
  static const Rate m;
  return m;
}

}  // namespace lab
