#pragma once
// An output that pushes the run to a receiver over HTTP while it runs (Prometheus remote write,
// InfluxDB): the engine's thread only queues the second (a point and a shared result, no work, no
// I/O); the pusher's own thread makes the frames, keeps a bounded backlog, and posts it every
// `interval`. A receiver that is down, slow, answering 5xx or closing keeps the frames in the
// backlog to be sent at the next push (counters are cumulative, so a late push loses nothing); a
// receiver that refuses them (4xx) drops them; a backlog over its bound drops its oldest. Every
// drop is counted with its reason, reported in the console, the result (`outputs`) and the live
// view's end. The run's exit code is its own unless `required` (--out-required).
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "loadgen/outputs/frame.h"
#include "loadgen/outputs/http_post.h"
#include "loadgen/outputs/push_options.h"
#include "loadgen/run/observer.h"

namespace lab {

/// One request to the receiver.
struct PushRequest {
  std::string target;  // "/api/v1/write"
  HttpHeaders headers;
  std::string body;
};

/// What a pusher did, for the console and the result.
struct PushReport {
  std::uint64_t frames = 0, sent = 0, dropped = 0;  // frames made; taken by the receiver; dropped
  std::uint64_t pushes = 0, failed_pushes = 0;      // requests taken; requests that failed
  std::string drop_reason, last_error;
  double cpu_s = 0;  // the pusher's thread's own CPU time (its whole cost to the client: frames, encoding, I/O)
  nlohmann::json to_json(const PushOptions& o) const;
  /// "pushed 31 of 31 seconds in 31 requests" or "... dropped 12 (the backlog's bound of 10 ...)".
  std::string text() const;
};

class Pusher : public RunObserver {
 public:
  Pusher(PushOptions o, bool required);
  ~Pusher() override;
  Pusher(const Pusher&) = delete;
  Pusher& operator=(const Pusher&) = delete;
  void on_start(const nlohmann::json& hello) override;
  void on_tick(const SeriesPoint& point, double target, std::shared_ptr<const Result> so_far) override;
  void on_control(const nlohmann::json&) override {}
  /// Queues the final frame, sends what it can within `timeout` + 1 s, stops its thread, and adds
  /// its report to the result.
  void on_end(RunEnd& end) override;
  PushReport report() const;
  const PushOptions& options() const { return o_; }

 protected:
  /// Before the first push (on the pusher's thread): e.g. InfluxDB's CREATE DATABASE; "" or what
  /// failed (the report's last error: the pushes that follow say the rest).
  virtual std::string prepare(HttpPoster&) { return {}; }
  /// The request that carries `frames` (in time order); `run_labels` (testid, shard, label.*) go on
  /// every series.
  virtual PushRequest encode(const std::vector<Frame>& frames, const Labels& run_labels) = 0;
  /// The receiver took `frames` (an encoder that sends differences moves its baseline).
  virtual void taken(const std::vector<Frame>&) {}

  PushOptions o_;

 private:
  struct Second {
    SeriesPoint point;
    double target = 0;
    std::shared_ptr<const Result> so_far;
    std::int64_t ms = 0;
  };
  void loop();
  void drop(std::size_t n, const std::string& why);  // (under mu_)
  bool push_once(HttpPoster& poster);

  const bool required_;
  Labels run_labels_;
  double start_epoch_s_ = 0;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Second> inbox_;  // from the engine's thread
  std::deque<Frame> backlog_;
  bool finishing_ = false, started_ = false;
  std::int64_t deadline_ms_ = 0;  // (steady) when finishing: send until then
  PushReport report_;
  std::thread thread_;
};

/// Unix milliseconds now.
std::int64_t now_unix_ms();

}  // namespace lab
