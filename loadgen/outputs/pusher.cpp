#include "loadgen/outputs/pusher.h"

#include <algorithm>
#include <chrono>
#include <ctime>

#include "common/format.h"

namespace lab {

namespace {

using Steady = std::chrono::steady_clock;
constexpr std::size_t kInbox = 32;     // seconds from the engine not yet made frames
constexpr std::size_t kPerPush = 300;  // frames in one request at most

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now().time_since_epoch()).count();
}

}  // namespace

std::int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

nlohmann::json PushReport::to_json(const PushOptions& o) const {
  nlohmann::json j = {{"output", o.kind},
                      {"url", o.url},
                      {"frames", frames},
                      {"sent", sent},
                      {"dropped", dropped},
                      {"pushes", pushes},
                      {"failed_pushes", failed_pushes},
                      {"cpu_s", cpu_s}};
  if (o.kind == "prometheus") j["names"] = o.names;
  if (o.kind == "influxdb") j["db"] = o.db;
  if (!drop_reason.empty()) j["drop_reason"] = drop_reason;
  if (!last_error.empty()) j["last_error"] = last_error;
  return j;
}

std::string PushReport::text() const {
  std::string t = "pushed " + std::to_string(sent) + " of " + std::to_string(frames) + " second(s) in " +
                  std::to_string(pushes) + " request(s)";
  if (failed_pushes) t += "; " + std::to_string(failed_pushes) + " push(es) failed";
  if (dropped) t += "; dropped " + std::to_string(dropped) + " (" + drop_reason + ")";
  if (!last_error.empty() && (failed_pushes || dropped)) t += "; last error: " + last_error;
  return t;
}

Pusher::Pusher(PushOptions o, bool required) : o_(std::move(o)), required_(required) {}

Pusher::~Pusher() {
  {
    std::lock_guard lk(mu_);
    finishing_ = true;
    deadline_ms_ = steady_ms();
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void Pusher::on_start(const nlohmann::json& hello) {
  start_epoch_s_ = hello.value("start_epoch_s", 0.0);
  if (start_epoch_s_ <= 0) start_epoch_s_ = static_cast<double>(now_unix_ms()) / 1000.0;
  run_labels_ = {{"testid", o_.testid.empty() ? hello.value("started_at", std::string("run")) : o_.testid}};
  for (const auto& l : o_.labels) run_labels_.push_back(l);
  // a run of several (a capacity search's steps): each its own series, by its title
  if (const std::string title = hello.value("title", std::string()); !title.empty())
    run_labels_.emplace_back("step", title);
  {
    std::lock_guard lk(mu_);  // (a pusher serves one run after another: its report adds up)
    finishing_ = false;
    inbox_.clear();
  }
  started_ = true;
  thread_ = std::thread([this] { loop(); });
}

void Pusher::on_tick(const SeriesPoint& point, double target, std::shared_ptr<const Result> so_far) {
  if (!started_) return;
  Second s{point, target, std::move(so_far),
           static_cast<std::int64_t>((start_epoch_s_ + static_cast<double>(point.t)) * 1000.0)};
  {
    std::lock_guard lk(mu_);
    inbox_.push_back(std::move(s));
    if (inbox_.size() > kInbox) {
      inbox_.pop_front();
      drop(1, "its thread fell behind the run");
    }
  }
  cv_.notify_one();
}

void Pusher::drop(std::size_t n, const std::string& why) {
  report_.dropped += n;
  if (report_.drop_reason.empty()) report_.drop_reason = why;
}

void Pusher::on_end(RunEnd& end) {
  if (!started_) return;
  {
    std::lock_guard lk(mu_);
    Second s;
    s.so_far = std::make_shared<const Result>(end.result);
    s.ms = now_unix_ms();
    s.target = -1;  // the final frame
    inbox_.push_back(std::move(s));
    finishing_ = true;
    deadline_ms_ = steady_ms() + o_.timeout.count() + 1000;
  }
  cv_.notify_one();
  thread_.join();
  started_ = false;
  const PushReport r = report();
  end.result.outputs.push_back(r.to_json(o_));
  if (required_ && (r.dropped > 0 || r.sent < r.frames))
    end.errors.push_back("--out " + o_.kind + "=" + o_.url +
                         " did not send the whole run (--out-required): " + r.text());
}

PushReport Pusher::report() const {
  std::lock_guard lk(mu_);
  return report_;
}

bool Pusher::push_once(HttpPoster& poster) {
  const std::size_t n = std::min(backlog_.size(), kPerPush);
  const std::vector<Frame> frames(backlog_.begin(), backlog_.begin() + static_cast<std::ptrdiff_t>(n));
  const PushRequest req = encode(frames, run_labels_);
  HttpReply reply;
  if (req.body.empty())
    reply.status = 204;  // nothing changed in these seconds: nothing to send
  else
    reply = poster.post(req.target, req.headers, req.body, o_.timeout);
  std::lock_guard lk(mu_);
  if (reply.ok()) {
    ++report_.pushes;
    report_.sent += n;
    backlog_.erase(backlog_.begin(), backlog_.begin() + static_cast<std::ptrdiff_t>(n));
    taken(frames);
    return true;
  }
  ++report_.failed_pushes;
  report_.last_error = reply.what();
  if (reply.status >= 400 && reply.status < 500 && reply.status != 429 && reply.status != 408) {
    // refused: sending the same again cannot help
    drop(n, "the receiver refused them: " + reply.what());
    backlog_.erase(backlog_.begin(), backlog_.begin() + static_cast<std::ptrdiff_t>(n));
  }
  return false;
}

void Pusher::loop() {
  HttpPoster poster(o_.host, o_.port);
  if (std::string e = prepare(poster); !e.empty()) {
    std::lock_guard lk(mu_);
    report_.last_error = e;
  }
  std::int64_t next_push = steady_ms() + o_.interval.count();
  int failures_in_row = 0;
  std::int64_t last_ms = 0;
  for (;;) {
    std::deque<Second> in;
    bool finishing = false;
    std::int64_t deadline = 0;
    {
      std::unique_lock lk(mu_);
      cv_.wait_for(lk, std::chrono::milliseconds(100), [&] { return finishing_ || !inbox_.empty(); });
      in.swap(inbox_);
      finishing = finishing_;
      deadline = deadline_ms_;
    }
    for (const Second& s : in) {  // the frames, made here: never on the engine's thread
      Frame f =
          s.target < 0 ? make_frame(nullptr, 0, *s.so_far, s.ms) : make_frame(&s.point, s.target, *s.so_far, s.ms);
      std::lock_guard lk(mu_);
      // each series' samples in time order, also when the last second is partial (its point is
      // stamped at its whole second, after the end's own time) or was sent already
      if (f.ms <= last_ms) f.ms = last_ms + 1;
      last_ms = f.ms;
      backlog_.push_back(std::move(f));
      ++report_.frames;
      if (backlog_.size() > o_.backlog) {
        backlog_.pop_front();
        drop(1, "the receiver did not take them before the backlog's bound of " + std::to_string(o_.backlog) +
                    " second(s)");
      }
    }
    const std::int64_t now = steady_ms();
    if (finishing && (backlog_.empty() || now >= deadline)) break;
    if (!backlog_.empty() && (now >= next_push || finishing)) {
      const bool ok = push_once(poster);
      // a receiver that keeps failing is tried less often (after 1, 2, 4, then every 8 intervals):
      // each try encodes the whole backlog, which grows while it is away; at the end, once a second
      failures_in_row = ok ? 0 : std::min(failures_in_row + 1, 4);
      next_push = steady_ms() + o_.interval.count() * (std::int64_t{1} << failures_in_row) / (ok ? 1 : 2);
      if (!ok && finishing && report().pushes == 0) break;  // it never took anything: one try at the end
      if (!ok && finishing)
        std::this_thread::sleep_for(
            std::chrono::milliseconds(std::clamp<std::int64_t>(deadline - steady_ms(), 0, 1000)));
    }
  }
  timespec cpu{};
  const bool timed = clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu) == 0;
  std::lock_guard lk(mu_);
  if (timed) report_.cpu_s += static_cast<double>(cpu.tv_sec) + static_cast<double>(cpu.tv_nsec) / 1e9;
  if (!backlog_.empty()) {
    drop(backlog_.size(), "not sent before the end" + (report_.last_error.empty() ? "" : ": " + report_.last_error));
    backlog_.clear();
  }
}

}  // namespace lab
