#pragma once
// Accepting: waits on the listener and the stop fd together (blocking models) or takes what is
// pending (reactors), survives every expected accept error, and survives EMFILE/ENFILE with a
// reserved spare fd (close it, accept and close the pending connection so it is not left
// hanging, reopen the spare) plus a short back-off, so running out of fds never turns into a
// busy loop.
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstdint>

#include "server/stats.h"

namespace lab {

/// Answers a connection the server cannot take (no thread, no process, fd over FD_SETSIZE)
/// with a 503 and closes it, blocking at most `wait` (a reactor passes 0: what the socket takes
/// at once, and what the client already sent is drained so the close does not reset the 503).
/// Counts it under `counter`.
void refuse_with_503(int fd, std::atomic<std::uint64_t>& counter, std::chrono::milliseconds wait);

struct Accepted {
  enum class Kind {
    kConnection,  // fd and peer are set
    kStopped,     // stop was requested (accept)
    kTimeout,     // nothing within the timeout (accept)
    kAgain,       // nothing pending (try_accept)
    kSurvived,    // an expected error, counted (try_accept)
    kOutOfFds,    // EMFILE/ENFILE: one pending client shed with the spare fd; pause accepting
    kFatal,       // cannot go on (message on stderr)
  };
  Kind kind = Kind::kFatal;
  int fd = -1;
  sockaddr_in peer{};
  bool connection() const { return kind == Kind::kConnection; }
};

class Acceptor {
 public:
  /// Thread-safe for concurrent accept() calls on the same listener (prefork, threadpool).
  Acceptor(int listen_fd, ServerStats& stats);
  ~Acceptor();
  Acceptor(const Acceptor&) = delete;
  Acceptor& operator=(const Acceptor&) = delete;

  /// Blocks until a connection arrives, stop is requested, accept fails in a way that cannot
  /// be survived, or `timeout_ms` (if >= 0) passes: kConnection, kStopped, kFatal, kTimeout.
  Accepted accept(int timeout_ms = -1);
  /// Non-blocking, for reactors: kConnection, kAgain, kSurvived, kOutOfFds, kFatal.
  Accepted try_accept();
  /// New connections get O_NONBLOCK (reactors).
  void set_nonblocking_conns(bool on) { conn_flags_ = on ? SOCK_NONBLOCK : 0; }

 private:
  void shed_with_spare();
  int fd_;
  int spare_;
  int conn_flags_ = 0;
  ServerStats& stats_;
};

}  // namespace lab
