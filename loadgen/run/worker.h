#pragma once
// One load-generating thread: its io_context, its users, its statistics. Everything in a
// Worker is touched only by its own thread, except `stats` (see WorkerStats) and the atomics.
#include <utility>  // Boost 1.74's awaitable.hpp needs it first

#include <atomic>
#include <boost/asio.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "loadgen/client/connection.h"
#include "loadgen/client/path.h"
#include "loadgen/client/task.h"
#include "loadgen/pacing/load_model.h"
#include "loadgen/run/plan.h"
#include "loadgen/shape/rng.h"
#include "loadgen/workload/scenario.h"
#include "loadgen/measure/collector.h"
#include "loadgen/run/request_book.h"
#include "loadgen/run/user_flow.h"
#include "loadgen/workload/workload.h"

namespace lab {

struct User {
  User(asio::io_context& io, int id_, std::uint64_t seed) : conn(io), timer(io.get_executor()), id(id_), rng(seed) {}
  Connection conn;  // its connection, kept and used by the thread's client path only
  Timer timer;
  int id;
  Rng rng;
  std::unique_ptr<UserPacing> pacing;  // when its requests are due (draws from rng)
  RequestPicker picker;                // which request of the scenario is next
  Clock::time_point deadline{};        // of the request in flight; {} when none
  bool started = false;                // it ran at least once (stages create users idle)
  bool running = false;                // its coroutine is alive
  bool retiring = false;               // stages: leave after the current request
  double started_s = 0;                // when it last started, seconds after the run's start
  bool timed_out = false;
  std::size_t data_row = 0;        // --data-per user: the row it keeps
  WireRequest built;               // its request when they are built as sent (RequestBook), the buffer reused
  std::unique_ptr<UserFlow> flow;  // its cookies and variables, when the scenario's users keep state
};

struct Worker {
  Worker(const Workload& w, const LoadModel& model_, int index_, Clock::time_point origin_,
         const RequestBook& requests_)
      // Each io_context is run by one thread and its sockets are touched only there; the
      // scheduler keeps its lock for the one cross-thread call (stop's post).
      : io(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO), workload(w), model(model_), index(index_), origin(origin_),
        end(origin_ + w.run_time), requests(requests_), sweeper(io.get_executor()), spawner_timer(io.get_executor()),
        data_rng(w.seed ^ (0x9e3779b97f4a7c15ull * (index_ + 1))) {}

  asio::io_context io;
  const Workload& workload;
  const LoadModel& model;  // the run's load mode, resolved once by the engine
  int index;
  Clock::time_point origin, end;
  const RequestBook& requests;  // the scenario's, per --data row (prebuilt, or built as sent), shared read-only
  bool by_name = false;         // keep statistics per request name (--scenario)
  // The run's target over time as this thread sees it (--stages, --rate-stages, or a steered
  // run's plan, refreshed from `shared_plan` when it changes); empty without one.
  Stages plan;
  const SharedPlan* shared_plan = nullptr;
  std::uint64_t plan_generation = 0;
  int max_users = 0;  // a planned closed loop creates users up to this many (the fd limit's)
  std::vector<asio::ip::tcp::endpoint> addresses;  // the target's: one, or each in turn (--addresses round-robin)
  std::size_t next_address = 0;
  std::vector<std::unique_ptr<User>> users;
  // How the bytes travel (client/path.h), chosen once by the engine. After `users`: destroyed
  // before them (a ring's operations point at their state) and before `io` (whose reactor holds
  // a ring's eventfd).
  std::unique_ptr<ClientPath> path;
  std::atomic<int> active_users{0};
  std::atomic<std::uint64_t> in_flight_at_stop{0};
  // Each user's active times (start, end; end -1 while active) for the ideal request count.
  std::vector<std::pair<double, double>> activations_s;
  bool stopping = false;
  Clock::time_point stopped_at = Clock::time_point::max();  // when stop() ran (the end, or earlier)
  Timer sweeper, spawner_timer;
  WorkerStats stats;
  char read_buf[65536];  // shared by this thread's users for the rest of long replies, read in turn
  // --data only (kept apart from the fields every request touches): round robin per request,
  // this thread's next turn; random rows, its own stream (the users' streams stay as without).
  std::uint64_t data_turn = 0;
  Rng data_rng;
  // A scenario whose users keep state (run/user_flow.h): the run's plan (null or inactive: none),
  // and this thread's tallies of checks, skips and cookies.
  const FlowPlan* flow = nullptr;
  FlowCounts flow_counts;

  double seconds_since_start(Clock::time_point t) const { return std::chrono::duration<double>(t - origin).count(); }
  /// Takes the shared plan's latest version if it changed (this thread only).
  void sync_plan();
  /// Starts the spawner and the timeout sweeper; run io.run() afterwards.
  void start(int total_threads);
  /// Posted at the end of the run: stops spawning, cancels every wait and request.
  void stop();
};

/// The virtual user: pacing (think time / none / schedule), connect, write, read, record.
Task<void> run_user(Worker& w, User& u, Clock::time_point first_at);

}  // namespace lab
