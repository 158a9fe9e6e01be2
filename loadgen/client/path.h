#pragma once
// The seam between the virtual user (run/user.cpp: when, what, and recording it) and a client
// path (how the bytes travel): plain sockets, the io_uring ring, TLS on the socket. One path per
// load thread, chosen once by the engine as the load model is (docs/architecture.md, "Adding a
// client path").
//
// The contract:
// - Given: the user (its connection, its deadline and timed_out flag, which the timeout sweep
//   sets), and an Exchange: the request's bytes, when the request started, when it was due,
//   when the user's previous response ended, and what of the response to keep (its headers and
//   body, for a scenario's checks, extractions and cookies; HTTP/1.1 paths only).
// - Reports: an Outcome: success or the failure's kind and words, the status, the body's bytes,
//   whether the connection can carry the next request, the phases (connect, TLS, waiting) and
//   the first byte's time, and the kernel's receive time of the end where the path knows it.
// - The connection (client/connection.h) belongs to the user and lives across requests; only
//   its path opens, uses and closes it. A path returns at the end of the run (the worker's
//   `stopping`) or at a timeout (the user's `timed_out`) with a failure, never waits past them.
#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "loadgen/client/task.h"
#include "loadgen/measure/collector.h"
#include "loadgen/measure/errors.h"
#include "loadgen/run/request_book.h"

namespace boost::asio::ssl {
class context;
}

namespace lab {

struct Worker;
struct Workload;
struct Connection;
struct User;
class UringIo;

inline std::uint64_t ns_between(Clock::time_point a, Clock::time_point b) {
  return b > a ? static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count()) : 0;
}

/// What one request came to.
struct Outcome {
  bool ok = false;
  ErrorKind kind = ErrorKind::kOther;
  std::string detail;
  int status = 0;  // the response's code; 0 when none arrived
  std::uint64_t bytes = 0;
  bool reusable = false;  // keep-alive: the connection can carry the next request
  PhaseTimes phases;      // connect, tls, waiting (receiving is the user's: end - first_byte)
  Clock::time_point first_byte{};
  Clock::time_point arrived{};  // the kernel's receive time of the response's end (io_uring); {} if not known
  // The path meant to resume the user as the response arrived (not later, as the ring may for
  // a paced user): a later resumption is the client's delay, recorded (`reap`).
  bool prompt = false;
};

/// What a user gives its path for one request.
struct Exchange {
  const WireRequest& request;
  Clock::time_point start;          // the request's start (and its connection's, if one is made)
  Clock::time_point due;            // when the pacing wanted it sent
  Clock::time_point last_finished;  // the end of the user's previous response; {} before its first
  // What to keep of the response (its headers, its body up to a bound) for a scenario's checks,
  // extractions and cookies (run/user_flow.h); nullptr: keep nothing, count the body.
  ResponseCapture* capture = nullptr;
};

class ClientPath {
 public:
  explicit ClientPath(Worker& w) : w_(w) {}
  virtual ~ClientPath() = default;
  ClientPath(const ClientPath&) = delete;
  ClientPath& operator=(const ClientPath&) = delete;

  /// As a result's `environment.client_io` names it.
  virtual const char* name() const = 0;
  /// On the worker's thread before any user runs.
  virtual void start() {}
  /// One request on the user's connection (opened first when it has none).
  virtual Task<Outcome> exchange(User& u, const Exchange& x) = 0;
  /// Ends the user's connection. `clean`: after a complete response.
  virtual void close(User& u, bool clean);
  /// The timeout sweep found the user past its deadline (timed_out is set): end its wait.
  virtual void cancel(User& u);
  /// The end of the run, first: responses that arrived and wait to be handed over are the run's.
  virtual void reap_arrived() {}
  /// The end of the run, last: end every wait (the worker's `stopping` is set).
  virtual void cancel_all();
  /// After the run: what the path adds to the result's environment (HTTP/2: connections opened,
  /// streams); each thread's path adds its share to what the others wrote.
  virtual void add_facts(nlohmann::json& /*environment*/) const {}

 protected:
  Worker& w_;
};

/// Plain HTTP on the socket's own non-blocking calls, Asio's reactor only to wait (client/plain.cpp).
std::unique_ptr<ClientPath> make_plain_path(Worker& w);
/// HTTPS: OpenSSL reads and writes the socket itself (client/tls_path.cpp).
std::unique_ptr<ClientPath> make_tls_path(Worker& w, boost::asio::ssl::context& ctx);
/// HTTP/2: over TLS (`ctx`, h2 by ALPN) or, without one, by prior knowledge (client/h2_path.cpp).
std::unique_ptr<ClientPath> make_h2_path(Worker& w, boost::asio::ssl::context* ctx);
/// --http2 before the run: one handshake with the target offering h2. "" when the server chose h2
/// (or could not be reached or refused the handshake: the run reports that), else what it chose.
std::string probe_alpn(const boost::asio::ip::tcp::endpoint& target, boost::asio::ssl::context& ctx, const Workload& w);
/// Plain HTTP through the thread's ring (--client-io uring; client/uring_path.cpp).
std::unique_ptr<ClientPath> make_uring_path(Worker& w, std::unique_ptr<UringIo> ring);

}  // namespace lab
