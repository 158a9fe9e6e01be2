#include "loadgen/worker.h"

namespace lab {

namespace {

Task<void> spawner(Worker& w, int total_threads) {
  const Workload& wl = w.workload;
  boost::system::error_code ec;
  for (int k = w.index; k < wl.users && !w.stopping; k += total_threads) {
    Clock::time_point at = w.origin;
    if (wl.spawn_rate > 0)
      at += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(k / wl.spawn_rate));
    if (at >= w.end) break;
    if (at > Clock::now()) {
      w.spawner_timer.expires_at(at);
      co_await w.spawner_timer.async_wait(asio::redirect_error(use_task, ec));
      if (w.stopping) break;
    }
    auto& u =
        *w.users.emplace_back(std::make_unique<User>(w.io, k, wl.seed * 1000003u + static_cast<std::uint64_t>(k)));
    u.parser.set_head_request(wl.request.method == "HEAD");
    w.spawn_times_s.push_back(w.seconds_since_start(at));
    asio::co_spawn(w.io.get_executor(), run_user(w, u, at), asio::detached);
  }
}

// Every 50 ms: a request past its deadline has its socket cancelled; the user sees the
// cancellation, finds timed_out set, and records a connect or read timeout.
void sweep(Worker& w) {
  w.sweeper.expires_after(std::chrono::milliseconds(50));
  w.sweeper.async_wait([&w](boost::system::error_code ec) {
    if (ec || w.stopping) return;
    const auto now = Clock::now();
    for (auto& u : w.users) {
      if (u->deadline != Clock::time_point{} && now > u->deadline && !u->timed_out) {
        u->timed_out = true;
        boost::system::error_code ignored;
        u->socket.cancel(ignored);
      }
    }
    sweep(w);
  });
}

}  // namespace

void Worker::start(int total_threads) {
  asio::co_spawn(io.get_executor(), spawner(*this, total_threads), asio::detached);
  sweep(*this);
}

void Worker::stop() {
  asio::post(io, [this] {
    stopping = true;
    stopped_at = Clock::now();
    boost::system::error_code ignored;
    spawner_timer.cancel();
    sweeper.cancel();
    for (auto& u : users) {
      u->timer.cancel();
      if (u->socket.is_open()) u->socket.cancel(ignored);
    }
  });
}

}  // namespace lab
