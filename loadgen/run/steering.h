#pragma once
// The steering policy of a run: the plan it follows from its start, and what a control from the
// live view (POST /control) does to that plan. Pure: the engine holds the plan (plan.h) and
// applies what this decides; the load threads follow it.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "loadgen/pacing/load_model.h"
#include "loadgen/run/observer.h"
#include "loadgen/shape/stages.h"
#include "loadgen/workload/workload.h"

namespace lab {

/// The plan a run follows: --stages or --rate-stages; for a run that can be steered, its users
/// (at their spawn rate) or its rate from the start otherwise. Empty: no plan.
Stages initial_plan(const Workload& w, const LoadModel& model, bool steerable);

/// What a control does at `t_s` seconds into a run of `end_s`.
struct SteerStep {
  nlohmann::json change;       // as the result's `control` records it: t, and users, rate or stop
  std::optional<Stages> plan;  // the new plan from now (absent for a stop)
  bool stop = false;
};

/// A control applied to the plan now in force: users (closed loops; at their spawn rate, at most
/// `max_users`, the open-file limit's), a rate (open loops; at once), or the end of the run.
/// nullopt for a control that does not apply to the mode (the live view refuses those).
std::optional<SteerStep> steer_step(const ControlChange& c, const LoadModel& model, const Stages& current, double t_s,
                                    double end_s, int max_users);

}  // namespace lab
