#pragma once
// What one loadgen run does: the options after parsing, shared by the engine and the writers.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "loadgen/workload/data.h"
#include "loadgen/workload/request_spec.h"
#include "loadgen/workload/scenario.h"
#include "loadgen/shape/wait.h"
#include "loadgen/shape/stages.h"
#include "loadgen/workload/status_set.h"
#include "loadgen/workload/url.h"

namespace lab {

enum class LoadMode { kUsers, kMax, kRate };
const char* to_string(LoadMode m);

/// Which of a name's addresses the connections use: the first getaddrinfo returns, or each in turn.
enum class AddressPolicy { kFirst, kRoundRobin };

/// https:// targets: certificate checks and session resumption.
struct TlsOptions {
  bool insecure = false;  // --insecure: no certificate or name check
  std::string cacert;     // --cacert FILE: trust these CAs instead of the system's
  bool resume = true;     // reconnects resume the last session (abbreviated handshake)
};

/// The client's I/O path for plain HTTP (--client-io): Asio-waited sockets, a ring per thread,
/// or (auto) the ring where the kernel gives one. Not part of the workload: the result's environment
/// names the path that ran (environment.client_io).
enum class ClientIo { kSockets, kUring, kAuto };

/// HTTP/2 (--http2: h2 chosen by ALPN over TLS; --h2c: prior knowledge over plain TCP), its
/// streams per connection (--streams) and windows (--h2-window). Users are carried by
/// connections x streams: each load thread opens one connection per `streams` of its users.
struct Http2Options {
  enum class Mode { kOff, kAlpn, kPriorKnowledge };
  Mode mode = Mode::kOff;
  int streams = 1;
  int window_bits = 30;  // stream and connection windows 2^bits - 1 (h2load's default)
  bool on() const { return mode != Mode::kOff; }
  /// "h2" (over TLS), "h2c" (prior knowledge), or "http/1.1".
  const char* protocol() const;
};

struct Workload {
  std::string url;      // as typed
  Url target;           // parsed
  RequestSpec request;  // -X/--header/--body
  Scenario scenario;    // what is sent: --scenario, else one request from the URL and `request`
  DataSet data;         // --data: rows that fill the requests' {{column}} placeholders
  AddressPolicy addresses = AddressPolicy::kFirst;
  TlsOptions tls;
  LoadMode mode = LoadMode::kUsers;
  int users = 1;
  double spawn_rate = 0;  // users/s; 0: all at once
  std::chrono::nanoseconds run_time{std::chrono::seconds(60)};
  double wait_min_s = 1, wait_max_s = 5;  // between's bounds; another shape's mean gap (both)
  std::optional<WaitShape> wait_shape;    // users mode: a shape other than between (--wait; wait.h)
  double rate = 0;                        // rate mode: requests/s in total (with stages: the highest)
  Stages stages;                          // users over time (--stages), or in rate mode the rate (--rate-stages)
  bool poisson = false;
  bool keepalive = false;
  int threads = 1;
  ClientIo client_io = ClientIo::kAuto;
  Http2Options http2;
  std::chrono::nanoseconds timeout{std::chrono::seconds(10)};
  std::uint64_t seed = 1;
  std::string label;
  StatusSet expect_status;  // which codes are successes (2xx)
  // A scenario's users with state (run/user_flow.h): a cookie jar each unless --no-cookies, and
  // the most of a body kept for checks and extractions (--max-body).
  bool cookies = true;
  std::size_t max_body = 1 << 20;
  // A shard of a distributed run (shard.h): this process runs the users u with
  // u % shard_count == shard_index. Not part of the workload's fingerprint.
  int shard_index = 0, shard_count = 1;
  std::optional<std::chrono::system_clock::time_point> start_at;  // --start-at
  std::string start_at_text;
  std::string run_id;  // --run-id (or LOADGEN_RUN_ID): the distributed run this shard belongs to
  /// How users wait: between (wait_min_s, wait_max_s), or another shape (then both hold its mean gap).
  void set_wait(const WaitShape& w);
  /// The global number of this process's j-th user (0-based): every shard_count-th from shard_index.
  int user_number(int j) const { return shard_index + j * shard_count; }
  /// The seed of user k's random stream (think times, Poisson gaps): the same whatever the
  /// number of shards or threads, so a user behaves the same however the workload is split.
  std::uint64_t user_seed(int k) const { return seed * 1000003u + static_cast<std::uint64_t>(k); }
  /// The users (connections) this process runs: all of them unless sharded.
  int own_users() const { return users > shard_index ? (users - shard_index + shard_count - 1) / shard_count : 0; }
  bool sharded() const { return shard_count > 1 || start_at.has_value(); }
  /// The load threads this process runs: --threads, but at most one per user it runs (a thread
  /// without a user would idle and dilute the client's CPU share), and at least one.
  int load_threads() const { return std::max(1, std::min(threads, own_users())); }
};

/// The workload as results record it: secrets redacted (workload/redact.h), and a "redacted"
/// list saying what was.
nlohmann::json workload_json(const Workload& w);
/// Adds `what` to the workload's "redacted" list (once each).
void add_redacted(nlohmann::json& workload, const std::vector<std::string>& what);

}  // namespace lab
