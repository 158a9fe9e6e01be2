#pragma once
// Accepting for the blocking models: waits on the listener and the stop fd together, survives
// every expected accept error, and survives EMFILE/ENFILE with a reserved spare fd (close it,
// accept and close the pending connection so it is not left hanging, reopen the spare) plus a
// short back-off, so running out of fds never turns into a busy loop.
#include <netinet/in.h>

#include <atomic>
#include <cstdint>
#include <sys/socket.h>

#include "server/stats.h"

namespace lab {

/// Answers a connection the server cannot take (no thread, no process, fd over FD_SETSIZE)
/// with a 503 and closes it, within about 100 ms; counts it under `counter`.
void refuse_with_503(int fd, std::atomic<std::uint64_t>& counter);

class Acceptor {
 public:
  /// Thread-safe for concurrent accept() calls on the same listener (prefork, threadpool).
  explicit Acceptor(int listen_fd, ServerStats& stats);
  ~Acceptor();
  Acceptor(const Acceptor&) = delete;
  Acceptor& operator=(const Acceptor&) = delete;

  enum Result { kAccepted = 0, kStopped = -1, kFatal = -2, kTimeout = -3 };
  /// Blocks until a connection arrives (returns its fd, >= 0), stop is requested (kStopped),
  /// accept fails in a way that cannot be survived (kFatal, message on stderr), or
  /// `timeout_ms` (if >= 0) passes with nothing to accept (kTimeout).
  int accept(sockaddr_in& peer, int timeout_ms = -1);
  /// Non-blocking variant for reactors: a connection fd (>= 0), or kAgain (nothing pending),
  /// kSurvived (an expected error, counted), kOutOfFds (EMFILE/ENFILE: one pending client was
  /// shed with the spare fd; pause accepting briefly), kFatal.
  int try_accept(sockaddr_in& peer);
  enum TryResult { kAgain = -4, kSurvived = -5, kOutOfFds = -6 };
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
