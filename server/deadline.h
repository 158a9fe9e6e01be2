#pragma once
// Connection deadlines for the event-driven drivers that keep their own (the reactor and the
// uring model): one queue for every kind, and one rule for what a deadline means when it fires.
//
// Each connection has at most one live deadline; arming a new one gives the connection a new
// generation number, so an entry left by an earlier deadline (or by a closed connection whose
// fd was reused) is recognised as stale and skipped. Entries of one duration expire in the
// order they were added, so each duration keeps a FIFO and every operation is O(1); a server
// uses a handful of durations (read timeout, linger, backend wait).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <utility>
#include <vector>

#include "server/session.h"
#include "server/stats.h"

namespace lab {

enum class DeadlineKind : std::uint8_t {
  kRead,    // the next request must be complete by then (also: output must progress)
  kLinger,  // a lingering close has waited long enough
  kWait,    // a request's simulated backend call is over
};

class TimerQueue {
 public:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    Clock::time_point when;
    int fd;
    std::uint64_t gen;
    DeadlineKind kind;
  };

  void add(Clock::time_point now, Clock::duration d, int fd, std::uint64_t gen, DeadlineKind kind) {
    for (auto& [dur, list] : lists_) {
      if (dur == d) {
        list.push_back({now + d, fd, gen, kind});
        return;
      }
    }
    lists_.emplace_back(d, std::deque<Entry>{{now + d, fd, gen, kind}});
  }
  /// Pops every entry due at `now` and calls fn(entry); the caller skips stale ones.
  template <class Fn>
  void expire(Clock::time_point now, Fn fn) {
    // By index: fn may add entries, even a list for a new duration (the vector may move).
    for (std::size_t i = 0; i < lists_.size(); ++i) {
      while (!lists_[i].second.empty() && lists_[i].second.front().when <= now) {
        const Entry e = lists_[i].second.front();
        lists_[i].second.pop_front();
        fn(e);
      }
    }
  }
  std::optional<Clock::time_point> next() const {
    std::optional<Clock::time_point> n;
    for (const auto& [dur, list] : lists_)
      if (!list.empty() && (!n || list.front().when < *n)) n = list.front().when;
    return n;
  }

 private:
  std::vector<std::pair<Clock::duration, std::deque<Entry>>> lists_;
};

/// What a fired deadline means for a connection.
enum class OnDeadline {
  kClose,         // lingered long enough: close
  kWriteTimeout,  // output waited a whole read timeout and the peer took none: close
  kExtend,        // output waits but the peer reads, slowly: another read timeout
  kReadTimeout,   // no complete request in time: Session::on_read_timeout
  kWaitDone,      // the backend call is over: Session::on_wait_done
};
/// `written_mark` is the session's bytes_written() when the deadline was armed.
inline OnDeadline on_deadline(DeadlineKind kind, const Session& s, std::uint64_t written_mark, bool send_in_flight) {
  switch (kind) {
    case DeadlineKind::kLinger: return OnDeadline::kClose;
    case DeadlineKind::kWait: return OnDeadline::kWaitDone;
    case DeadlineKind::kRead: break;
  }
  if (s.has_pending() || send_in_flight)
    return s.bytes_written() == written_mark ? OnDeadline::kWriteTimeout : OnDeadline::kExtend;
  return OnDeadline::kReadTimeout;
}

/// What a driver does with a fired deadline, the same for every driver: `close()` ends the
/// connection, `rearm_read()` gives it another read timeout; the Session hears of read timeouts
/// and finished backend waits. True when the connection goes on (the driver then does its I/O).
template <class Close, class RearmRead>
bool apply_deadline(OnDeadline what, Session& s, bool& waiting, std::atomic<std::uint64_t>& write_timeouts, Close close,
                    RearmRead rearm_read) {
  switch (what) {
    case OnDeadline::kClose: close(); return false;
    case OnDeadline::kWriteTimeout:
      bump(write_timeouts);
      close();
      return false;
    case OnDeadline::kExtend: rearm_read(); return false;
    case OnDeadline::kReadTimeout: s.on_read_timeout(); return true;
    case OnDeadline::kWaitDone:
      waiting = false;
      s.on_wait_done();
      return true;
  }
  return false;
}

}  // namespace lab
