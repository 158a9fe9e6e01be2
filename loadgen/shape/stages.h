#pragma once
// Load stages, as k6's stages and Locust's LoadTestShape: "30s:100,2m:1000,30s:0" ramps the
// target linearly from the previous stage's (0 at the start) to each stage's over its duration.
// The target is the number of users (--stages) or the open-loop rate in requests/s
// (--rate-stages).
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace lab {

struct Stage {
  double duration_s = 0;
  double target = 0;
};

class Stages {
 public:
  Stages() = default;
  explicit Stages(std::vector<Stage> s) : stages_(std::move(s)) {}
  bool empty() const { return stages_.empty(); }
  const std::vector<Stage>& list() const { return stages_; }
  double total_s() const;
  double max_target() const;
  /// The target at t seconds (the last stage's after the end).
  double target_at(double t) const;
  /// The integral of the target from 0 to t (requests, for a rate).
  double integral_to(double t) const;
  /// The time at which the integral reaches `a`; nullopt when it never does within the stages.
  std::optional<double> time_of_integral(double a) const;

  /// `target` from the start (a step, not a ramp) for `duration_s`.
  static Stages constant(double target, double duration_s);
  /// The same plan up to `t0`, then a ramp from its target at `t0` to `target` over `ramp_s`
  /// (0: a step), held until `end_s`: a change made while the run goes on.
  Stages retarget(double t0, double target, double ramp_s, double end_s) const;

 private:
  std::vector<Stage> stages_;
};

/// "30s:100,2m:1000,30s:0" (durations as -t takes them, targets >= 0); nullopt with `error`.
std::optional<Stages> parse_stages(const std::string& text, std::string& error);
nlohmann::json stages_json(const Stages& s);

}  // namespace lab
