#pragma once
// Server counters. They live in a shared anonymous mapping so that forked children
// (multiprocess, prefork) count into the same place as the parent.
#include <atomic>
#include <cstdint>
#include <string>

namespace lab {

struct ServerStats {
  std::atomic<std::uint64_t> connections{0};        // accepted
  std::atomic<std::uint64_t> replies{0};            // 200 replies sent
  std::atomic<std::uint64_t> bad_request{0};        // 400
  std::atomic<std::uint64_t> too_large{0};          // 431
  std::atomic<std::uint64_t> payload_too_large{0};  // 413
  std::atomic<std::uint64_t> not_implemented{0};    // 501
  std::atomic<std::uint64_t> shed_503{0};           // refused with 503 (FD_SETSIZE, no thread)
  std::atomic<std::uint64_t> read_timeouts{0};      // no complete request within --read-timeout
  std::atomic<std::uint64_t> peer_closed_early{0};  // EOF in the middle of a request
  std::atomic<std::uint64_t> resets{0};             // ECONNRESET and other read errors
  std::atomic<std::uint64_t> write_errors{0};       // EPIPE or reset while replying
  std::atomic<std::uint64_t> write_timeouts{0};     // the peer took no reply byte for --read-timeout
  std::atomic<std::uint64_t> accept_out_of_fds{0};  // EMFILE/ENFILE survived
  std::atomic<std::uint64_t> accept_errors{0};      // other accept errors survived
  std::atomic<std::uint64_t> option_errors{0};      // a socket option (TCP_NODELAY) refused; served anyway
  std::atomic<std::uint64_t> spawn_failures{0};     // fork/pthread_create failed
  std::atomic<std::uint64_t> worker_restarts{0};    // prefork: dead workers replaced
  std::atomic<std::uint64_t> forced_closes{0};      // closed when --grace ran out

  /// One line: "connections=... replies=... errors: bad_request=..."
  std::string summary() const;
};

/// Allocates the counters in shared memory (survives fork); nullptr (errno set) on failure.
ServerStats* make_shared_stats();

inline void bump(std::atomic<std::uint64_t>& c) { c.fetch_add(1, std::memory_order_relaxed); }

}  // namespace lab
