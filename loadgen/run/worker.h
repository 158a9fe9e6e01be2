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

#include "common/http/response_parser.h"
#include "loadgen/pacing/load_model.h"
#include "loadgen/run/plan.h"
#include "loadgen/workload/rng.h"
#include "loadgen/workload/scenario.h"
#include "loadgen/run/collector.h"
#include "loadgen/run/request_book.h"
#include "loadgen/run/tls.h"
#include "loadgen/run/uring.h"
#include "loadgen/workload/workload.h"

namespace lab {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
// The concrete executor everywhere, not Asio's type-erased any_executor: every co_await and
// completion on the hot path would otherwise go through a type-erased call.
using Executor = asio::io_context::executor_type;
using Socket = asio::basic_stream_socket<asio::ip::tcp, Executor>;
using Timer = asio::basic_waitable_timer<Clock, asio::wait_traits<Clock>, Executor>;
template <class T>
using Task = asio::awaitable<T, Executor>;
inline constexpr asio::use_awaitable_t<Executor> use_task;

/// The client's I/O paths, as a result's `environment.client_io` names them (user.cpp): plain
/// HTTP through the socket's own non-blocking calls, Asio's reactor only to wait; HTTPS through
/// OpenSSL reading and writing the same socket (a socket BIO), Asio's reactor only to wait.
inline constexpr const char* kClientIoPlain = "sockets";
inline constexpr const char* kClientIoTls = "openssl-socket-bio";
/// Plain HTTP through a ring per thread (--client-io uring; run/uring.h).
inline constexpr const char* kClientIoUring = "io_uring";

/// A user's TLS state (https only; allocated at its first connection, so that plain-HTTP users
/// stay small): its SSL object (kept for the next connection) and the session to resume. Reads
/// decrypt into the worker's shared buffer: SSL_read returns what it has at once, so the bytes
/// are parsed before any other user runs.
struct UserTls {
  TlsHandle ssl;           // reused from connection to connection (attach_tls); none after a failure
  bool connected = false;  // `ssl` carries the user's open connection
  TlsSession session;      // the last session, offered on reconnect
};

struct User {
  User(asio::io_context& io, int id_, std::uint64_t seed)
      : socket(io.get_executor()), timer(io.get_executor()), id(id_), rng(seed) {}
  Socket socket;  // https: the connection; http: the connection once it had to wait
  int fd = -1;    // http: the connection (Asio's socket holds it from its first wait)
  bool family_v6 = false;
  Timer timer;
  int id;
  Rng rng;
  std::unique_ptr<UserPacing> pacing;  // when its requests are due (draws from rng)
  RequestPicker picker;                // which request of the scenario is next
  std::unique_ptr<UserTls> tls;        // https only, from the first connection
  std::unique_ptr<UringUser> ring;     // --client-io uring only, from the first request
  ResponseParser parser;               // reset per response: its line buffer is allocated once
  Clock::time_point deadline{};        // of the request in flight; {} when none
  bool started = false;                // it ran at least once (stages create users idle)
  bool running = false;                // its coroutine is alive
  bool retiring = false;               // stages: leave after the current request
  double started_s = 0;                // when it last started, seconds after the run's start
  bool timed_out = false;
  std::size_t data_row = 0;  // --data-per user: the row it keeps
  WireRequest built;         // its request when they are built as sent (RequestBook), the buffer reused
  char first_buf[512];       // the first read of each response (most replies fit)
};

struct Worker {
  Worker(const Workload& w, const LoadModel& model_, int index_, Clock::time_point origin_,
         const RequestBook& requests_, asio::ssl::context* tls_ = nullptr)
      // Each io_context is run by one thread and its sockets are touched only there; the
      // scheduler keeps its lock for the one cross-thread call (stop's post).
      : io(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO), workload(w), model(model_), index(index_), origin(origin_),
        end(origin_ + w.run_time), requests(requests_), tls(tls_), sweeper(io.get_executor()),
        spawner_timer(io.get_executor()), data_rng(w.seed ^ (0x9e3779b97f4a7c15ull * (index_ + 1))) {}

  asio::io_context io;
  const Workload& workload;
  const LoadModel& model;  // the run's load mode, resolved once by the engine
  int index;
  Clock::time_point origin, end;
  const RequestBook& requests;  // the scenario's, per --data row (prebuilt, or built as sent), shared read-only
  asio::ssl::context* tls;      // https: the run's client context; else null
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
  // --client-io uring: the thread's ring (after `users`: destroyed before them, whose state its
  // operations point at, and before `io`, whose reactor holds its eventfd).
  std::unique_ptr<UringIo> uring;
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
