#include "loadgen/run/worker.h"

#include <cmath>

namespace lab {

namespace {

// User k (its global number), created idle: its random stream, pacing and request picker.
User& add_user(Worker& w, int k) {
  const Workload& wl = w.workload;
  auto& u = *w.users.emplace_back(std::make_unique<User>(w.io, k, wl.user_seed(k)));
  u.pacing = w.model.pacing(wl, w.plan, k, u.rng);
  u.picker = RequestPicker(wl.scenario);
  if (w.flow && w.flow->active()) u.flow = w.flow->new_user();
  return u;
}

Task<void> spawner(Worker& w, int total_threads) {
  const Workload& wl = w.workload;
  boost::system::error_code ec;
  // This process's users (every shard_count-th from shard_index), dealt to threads in turn; each
  // keeps its global number k: its spawn time, its place in a rate schedule and its random
  // stream are the same whatever the number of shards.
  for (int j = w.index; !w.stopping; j += total_threads) {
    const int k = wl.user_number(j);
    if (k >= wl.users) break;
    Clock::time_point at = w.origin;
    if (wl.spawn_rate > 0)
      at += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(k / wl.spawn_rate));
    if (at >= w.end) break;
    if (at > Clock::now()) {
      w.spawner_timer.expires_at(at);
      co_await w.spawner_timer.async_wait(asio::redirect_error(use_task, ec));
      if (w.stopping) break;
    }
    User& u = add_user(w, k);
    u.started = u.running = true;
    u.started_s = w.seconds_since_start(at);
    asio::co_spawn(w.io.get_executor(), run_user(w, u, at), asio::detached);
  }
}

// A planned run (--stages, or steered from the live view; users and max modes): every 10 ms,
// the users whose number is below the plan's target run, the others leave after their current
// request. Users are created when the target first reaches them, and keep their global number
// (and so their random stream and shard) however often they start and leave.
Task<void> stage_spawner(Worker& w, int total_threads) {
  const Workload& wl = w.workload;
  boost::system::error_code ec;
  int next_j = w.index;  // this worker's next user to create
  for (Clock::time_point tick = w.origin; tick < w.end && !w.stopping; tick += std::chrono::milliseconds(10)) {
    if (tick > Clock::now()) {
      w.spawner_timer.expires_at(tick);
      co_await w.spawner_timer.async_wait(asio::redirect_error(use_task, ec));
      if (w.stopping) break;
    }
    w.sync_plan();
    const double t = w.seconds_since_start(Clock::now());
    // The whole users the target holds: 30 means users 0..29 (12.7 on a ramp: 0..11).
    const double target = std::floor(w.plan.target_at(t) + 1e-9);
    for (int k = wl.user_number(next_j); k < target && k < w.max_users; k = wl.user_number(next_j)) {
      add_user(w, k);
      next_j += total_threads;
    }
    for (auto& up : w.users) {
      User& u = *up;
      const bool wanted = u.id < target;
      if (wanted && !u.running) {
        u.started = u.running = true;
        u.retiring = false;
        u.started_s = t;
        asio::co_spawn(w.io.get_executor(), run_user(w, u, Clock::now()), asio::detached);
      } else if (wanted && u.retiring) {
        u.retiring = false;  // wanted again before it left
      } else if (!wanted && u.running && !u.retiring) {
        u.retiring = true;
        u.timer.cancel();  // a user thinking leaves now; one waiting for a response after it
      }
    }
  }
}

// Every 50 ms: a request past its deadline has its socket cancelled; the user sees the
// cancellation, finds timed_out set, and records a connect or read timeout.
void sweep(Worker& w) {
  w.sweeper.expires_after(std::chrono::milliseconds(50));
  w.sweeper.async_wait([&w](boost::system::error_code ec) {
    if (ec || w.stopping) return;
    w.sync_plan();  // (a steered open loop's slots follow the plan)
    const auto now = Clock::now();
    for (auto& u : w.users) {
      if (u->deadline != Clock::time_point{} && now > u->deadline && !u->timed_out) {
        u->timed_out = true;
        w.path->cancel(*u);
      }
    }
    sweep(w);
  });
}

}  // namespace

void Worker::sync_plan() {
  if (!shared_plan || shared_plan->generation() == plan_generation) return;
  plan_generation = shared_plan->generation();
  plan = shared_plan->get();
}

void Worker::start(int total_threads) {
  path->start();                            // first: a ring's submitter is this thread
  if (!plan.empty() && !model.open_loop())  // a closed loop's plan is users: spawned and retired by it
    asio::co_spawn(io.get_executor(), stage_spawner(*this, total_threads), asio::detached);
  else
    asio::co_spawn(io.get_executor(), spawner(*this, total_threads), asio::detached);
  sweep(*this);
}

void Worker::stop() {
  asio::post(io, [this] {
    // responses that arrived and wait to be reaped (a paced user's, on the ring) are the run's
    path->reap_arrived();
    stopping = true;
    stopped_at = Clock::now();
    spawner_timer.cancel();
    sweeper.cancel();
    for (auto& u : users) u->timer.cancel();
    path->cancel_all();
  });
}

}  // namespace lab
