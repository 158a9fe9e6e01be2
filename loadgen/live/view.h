#pragma once
// The live view of one run: the engine's start, seconds, changes and end (RunObserver) turned
// into the events, the snapshot and the metrics the live server serves (or a job's hub receives).
// It runs on the engine's thread, once a second: the tick's JSON (well under a millisecond), never
// a load thread's time; the result document is written only when someone asks for it.
#include <atomic>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "loadgen/live/hub.h"
#include "loadgen/run/observer.h"

namespace lab {

class LiveView : public RunObserver {
 public:
  /// `context`: what a job says of this run (e.g. {"job_item": "select", "job_row": true}),
  /// copied into its hello and end; with job_row, its end carries the row of the job's table.
  explicit LiveView(LiveHub& hub, nlohmann::json context = nlohmann::json::object())
      : hub_(hub), context_(std::move(context)) {}
  void on_start(const nlohmann::json& hello) override;
  void on_tick(const SeriesPoint& point, double target, std::shared_ptr<const Result> so_far) override;
  void on_control(const nlohmann::json& change) override;
  void on_end(RunEnd& end) override;
  /// The live server counts the listeners it dropped, for the metrics.
  std::atomic<std::uint64_t>* dropped_listeners = nullptr;

 private:
  LiveHub& hub_;
  nlohmann::json context_;
  double run_time_s_ = 0;
  double last_target_ = 0, last_users_ = 0, last_elapsed_ = 0;
};

/// The tick event of a second: the point (rate, failures, percentiles and max of the second,
/// users, the plan's target, the load threads' CPU), and the run so far (totals, a row per request
/// name and Aggregated, status codes, errors, the client's health).
nlohmann::json tick_json(const SeriesPoint& point, double target, const Result& so_far);

}  // namespace lab
