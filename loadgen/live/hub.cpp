#include "loadgen/live/hub.h"

#include <algorithm>

#include "loadgen/live/requests.h"
#include "common/output_file.h"

namespace lab {

LiveHub::LiveHub() : run_id_(random_token().substr(0, 12)) {}

std::uint64_t LiveHub::publish(const std::string& type, const std::string& data) {
  std::uint64_t id = 0;
  {
    // The wake-up runs under the lock (it only posts to the server's thread), so that
    // on_publish(nullptr) waits for a publish in flight: the server may then go away.
    std::lock_guard lk(mu_);
    id = next_id_++;
    log_.push_back({id, type, data});
    if (type == "end" || type == "job-end") ended_ = true;
    if (type == "hello" && ended_ && log_.size() > 1) ended_ = false;  // the next run of a job
    if (log_.size() > kMaxEvents) {                                    // drop the oldest tick
      auto it = std::find_if(log_.begin(), log_.end(), [](const LiveEvent& e) { return e.type == "tick"; });
      if (it != log_.end()) log_.erase(it);
    }
    if (wake_) wake_();
  }
  return id;
}

void LiveHub::set_result(std::shared_ptr<const Result> result, const LiveGauges& gauges) {
  std::lock_guard lk(mu_);
  result_ = std::move(result);
  gauges_ = gauges;
  ++version_;
}

void LiveHub::set_snapshot(std::string json) {
  std::lock_guard lk(mu_);
  result_.reset();
  snapshot_ = std::move(json);
  snapshot_version_ = ++version_;
}

void LiveHub::set_metrics(std::string text) {
  std::lock_guard lk(mu_);
  metrics_ = std::move(text);
}

std::vector<LiveEvent> LiveHub::events_after(std::uint64_t id, std::size_t max) const {
  std::lock_guard lk(mu_);
  auto it =
      std::upper_bound(log_.begin(), log_.end(), id, [](std::uint64_t v, const LiveEvent& e) { return v < e.id; });
  std::vector<LiveEvent> out;
  for (; it != log_.end() && out.size() < max; ++it) out.push_back(*it);
  return out;
}

std::uint64_t LiveHub::last_id() const {
  std::lock_guard lk(mu_);
  return next_id_ - 1;
}

std::string LiveHub::snapshot() const {
  std::shared_ptr<const Result> result;
  std::uint64_t version = 0;
  {
    std::lock_guard lk(mu_);
    if (!result_ || snapshot_version_ == version_) return snapshot_;
    result = result_;
    version = version_;
  }
  std::string text = json_text(to_json(*result));  // outside the lock: publishing never waits for it
  std::lock_guard lk(mu_);
  if (version > snapshot_version_) {
    snapshot_ = text;
    snapshot_version_ = version;
  }
  return text;
}

std::string LiveHub::metrics() const {
  std::shared_ptr<const Result> result;
  LiveGauges gauges;
  {
    std::lock_guard lk(mu_);
    // Before the first second, a run's metrics at zero (a scrape then read an empty body); a job's
    // hub serves what it was sent.
    if (!result_) return metrics_.empty() ? prometheus_text(Result{}, gauges_) : metrics_;
    result = result_;
    gauges = gauges_;
  }
  return prometheus_text(*result, gauges);
}

bool LiveHub::ended() const {
  std::lock_guard lk(mu_);
  return ended_;
}

void LiveHub::on_publish(std::function<void()> fn) {
  std::lock_guard lk(mu_);
  wake_ = std::move(fn);
}

}  // namespace lab
