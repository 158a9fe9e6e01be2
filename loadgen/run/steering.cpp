// The steering policy (run/steering.h).
#include "loadgen/run/steering.h"

#include <algorithm>
#include <cmath>

namespace lab {

Stages initial_plan(const Workload& w, const LoadModel& model, bool steerable) {
  if (!w.stages.empty() || !steerable) return w.stages;
  const double run_s = std::chrono::duration<double>(w.run_time).count();
  if (model.open_loop()) return Stages::constant(w.rate, run_s);
  if (w.spawn_rate > 0) {
    const double ramp = std::min(run_s, w.users / w.spawn_rate);
    return Stages({{ramp, w.users * ramp / (w.users / w.spawn_rate)}}).retarget(ramp, w.users, 0, run_s);
  }
  return Stages::constant(w.users, run_s);
}

std::optional<SteerStep> steer_step(const ControlChange& c, const LoadModel& model, const Stages& current, double t_s,
                                    double end_s, int max_users) {
  SteerStep s;
  s.change = {{"t", std::round(t_s * 1000) / 1000}};
  if (c.stop) {
    s.change["stop"] = true;
    s.stop = true;
    return s;
  }
  if (c.users && !model.open_loop()) {
    const int users = std::clamp(*c.users, 0, max_users);
    const double from = current.target_at(t_s);
    const double rate = c.spawn_rate.value_or(0);
    const double ramp = rate > 0 ? std::fabs(users - from) / rate : 0;
    s.plan = current.retarget(t_s, users, ramp, end_s);
    s.change["users"] = users;
    if (rate > 0) s.change["spawn_rate"] = rate;
    if (users < *c.users)
      s.change["limited_by"] = "the open-file limit: at most " + std::to_string(max_users) + " users";
    return s;
  }
  if (c.rate && model.open_loop()) {
    const double rate = std::clamp(*c.rate, 0.0, kMaxRate);
    s.plan = current.retarget(t_s, rate, 0, end_s);
    s.change["rate"] = rate;
    return s;
  }
  return std::nullopt;
}

}  // namespace lab
