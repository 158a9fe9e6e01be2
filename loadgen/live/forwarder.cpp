#include "loadgen/live/forwarder.h"

#include <chrono>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "common/output_file.h"

namespace lab {

LiveForwarder::LiveForwarder(LiveHub& local, const std::string& hub_address, std::string token)
    : local_(local), token_(std::move(token)) {
  auto [host, port] = split_host_port(hub_address);
  poster_ = std::make_unique<HttpPoster>(host, port);
  local_.on_publish([this] {  // (under the hub's lock: only a notification)
    {
      std::lock_guard lk(mu_);
      woken_ = true;
    }
    cv_.notify_one();
  });
  thread_ = std::thread([this] { loop(); });
}

LiveForwarder::~LiveForwarder() { finish(0); }

void LiveForwarder::finish(int wait_ms) {
  if (!thread_.joinable()) return;
  local_.on_publish(nullptr);
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  while (sent_ < local_.last_id() && std::chrono::steady_clock::now() < until && !warned_)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  {
    std::lock_guard lk(mu_);
    finishing_ = true;
  }
  stop_now_ = true;
  cv_.notify_one();
  thread_.join();
}

// One exchange with the hub, whole within 2 s (loadgen/outputs/http_post.h).
bool LiveForwarder::post(const std::string& body) {
  return poster_->post("/ingest", {{"Content-Type", "application/json"}, {"X-Loadlab-Token", token_}}, body).status ==
         202;
}

void LiveForwarder::loop() {
  for (;;) {
    {
      std::unique_lock lk(mu_);
      cv_.wait_for(lk, std::chrono::milliseconds(200), [this] { return woken_ || finishing_; });
      woken_ = false;
    }
    for (const LiveEvent& e : local_.events_after(sent_.load(), 200)) {
      if (stop_now_) break;  // finish() waited as long as it would
      // The hub's /snapshot.json is each run's document once it ended (written once, not every
      // second), sent before the end itself; its /metrics follow the run each second.
      if (e.type == "end" && !warned_)
        post(json_text(nlohmann::json{{"type", "snapshot"}, {"data", nlohmann::json::parse(local_.snapshot())}}));
      bool ok = warned_ || post(json_text(nlohmann::json{{"type", e.type}, {"data", nlohmann::json::parse(e.data)}}));
      if (ok && !warned_ && (e.type == "tick" || e.type == "end"))
        post(json_text(nlohmann::json{{"type", "metrics"}, {"data", local_.metrics()}}));
      if (!ok && !warned_) {
        warned_ = true;
        std::fprintf(stderr,
                     "loadgen: warning: the live hub at %s:%s does not take events; the run goes on without it\n",
                     poster_->host().c_str(), poster_->port().c_str());
      }
      sent_ = e.id;
    }
    std::lock_guard lk(mu_);
    if (finishing_) return;
  }
}

}  // namespace lab
