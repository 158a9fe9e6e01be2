#pragma once
// A run that is part of a job (make bench-all LIVE=PORT) sends its live events to the job's hub
// (`loadgen live-hub`) instead of serving them itself: every event of its own LiveHub, the metrics
// after each tick, and the result document before the end, are POSTed to the hub's /ingest from a
// thread of their own, so that a slow or absent hub never holds the run up (it is told once, then
// ignored).
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "loadgen/live/hub.h"
#include "loadgen/outputs/http_post.h"

namespace lab {

class LiveForwarder {
 public:
  /// `hub_address`: the hub's ADDR:PORT; `token`: its X-Loadlab-Token (LOADGEN_LIVE_TOKEN).
  LiveForwarder(LiveHub& local, const std::string& hub_address, std::string token);
  ~LiveForwarder();
  /// Sends what is left (at most `wait_ms`, and one exchange of at most 2 s under way), then stops.
  void finish(int wait_ms = 3000);

 private:
  void loop();
  bool post(const std::string& body);
  LiveHub& local_;
  std::string token_;
  std::unique_ptr<HttpPoster> poster_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool woken_ = false, finishing_ = false;
  std::atomic<bool> warned_{false};
  std::atomic<bool> stop_now_{false};  // finish() gave up waiting: the loop sends nothing more
  std::atomic<std::uint64_t> sent_{0};
  std::thread thread_;
};

}  // namespace lab
