#pragma once
// One load-generating thread: its io_context, its users, its statistics. Everything in a
// Worker is touched only by its own thread, except `stats` (see WorkerStats) and the atomics.
#include <utility>  // Boost 1.74's awaitable.hpp needs it first

#include <atomic>
#include <boost/asio.hpp>
#include <chrono>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "loadgen/stats.h"
#include "loadgen/workload.h"

namespace lab {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

struct User {
  User(asio::io_context& io, int id_, std::uint64_t seed) : socket(io), timer(io), id(id_), rng(seed) {}
  asio::ip::tcp::socket socket;
  asio::steady_timer timer;
  int id;
  std::mt19937_64 rng;
  Clock::time_point deadline{};  // of the request in flight; {} when none
  bool connecting = false;
  bool timed_out = false;
};

struct Worker {
  Worker(const Workload& w, int index_, Clock::time_point origin_, const std::string& request_)
      : io(1), workload(w), index(index_), origin(origin_), end(origin_ + w.run_time),
        request(request_), sweeper(io), spawner_timer(io) {}

  asio::io_context io;
  const Workload& workload;
  int index;
  Clock::time_point origin, end;
  const std::string& request;       // built once, shared read-only by all users
  asio::ip::tcp::endpoint endpoint;
  std::vector<std::unique_ptr<User>> users;
  std::atomic<int> active_users{0};
  std::atomic<std::uint64_t> in_flight_at_stop{0};
  std::vector<double> spawn_times_s;  // for the ideal request count; read after the run
  bool stopping = false;
  asio::steady_timer sweeper, spawner_timer;
  WorkerStats stats;
  char read_buf[65536];  // shared by this thread's users: reads happen after readiness, in turn

  double seconds_since_start(Clock::time_point t) const {
    return std::chrono::duration<double>(t - origin).count();
  }
  /// Starts the spawner and the timeout sweeper; run io.run() afterwards.
  void start(int total_threads);
  /// Posted at the end of the run: stops spawning, cancels every wait and request.
  void stop();
};

/// The virtual user: pacing (think time / none / schedule), connect, write, read, record.
asio::awaitable<void> run_user(Worker& w, User& u, Clock::time_point first_at);

}  // namespace lab
