#pragma once
// The event loop the reactor models share (select, poll, epoll, epoll-et, reuseport): one
// thread, non-blocking sockets, a Session per connection, and a pluggable Poller. "At most one
// per thread": a Reactor is used only by the thread that calls run().
#include <netinet/in.h>

#include <chrono>
#include <memory>
#include <vector>

#include "server/acceptor.h"
#include "server/conn_table.h"
#include "server/deadline.h"
#include "server/model.h"
#include "server/reactor/poller.h"
#include "server/session.h"

namespace lab {

class Reactor {
 public:
  Reactor(const ModelContext& ctx, int listen_fd, std::unique_ptr<Poller> poller);
  ~Reactor();
  /// Serves until stop is requested and in-flight connections finished (or --grace ran out).
  /// Returns 0, or 1 on a fatal error.
  int run();

 private:
  using Clock = std::chrono::steady_clock;
  struct Conn {
    Conn(const ModelContext& ctx, int fd_, const sockaddr_in& p) : fd(fd_), peer(p), session(ctx, &peer) {}
    int fd;
    sockaddr_in peer;
    Session session;
    bool lingering = false;
    bool waiting = false;  // a backend-wait deadline is armed
    bool unread = false;   // edge-triggered: input may wait that no edge will report
    bool queued = false;   // in pending_
    unsigned interest = 0;
    std::uint64_t gen = 0;           // matches the live deadline
    std::uint64_t written_mark = 0;  // session.bytes_written() when the deadline was armed
  };

  void accept_some();
  void on_event(int fd, unsigned events);
  void read_some(Conn& c);
  void drain_lingering(Conn& c);
  void after_io(Conn& c);
  bool flush(Conn& c);
  void set_interest(Conn& c, unsigned interest);
  void arm(Conn& c, Clock::duration d, DeadlineKind kind);
  void on_deadline_fired(const TimerQueue::Entry& e);
  void close_conn(Conn& c);
  int next_timeout_ms(Clock::time_point now) const;
  void begin_stop();
  /// Edge-triggered: run this connection again next turn without waiting for an event.
  void requeue(Conn& c);

  const ModelContext& ctx_;
  int listen_fd_;
  std::unique_ptr<Poller> poller_;
  Acceptor acceptor_;
  const bool et_;
  ConnTable<Conn> conns_;
  TimerQueue deadlines_;
  std::vector<int> pending_;     // edge-triggered: fds left with work (see requeue)
  bool listener_ready_ = false;  // edge-triggered: accept budget ran out
  bool listening_ = true;
  Clock::time_point resume_accept_{};  // EMFILE pause
  bool stopping_ = false;
  Clock::time_point grace_end_{};
  bool fatal_ = false;
  std::uint64_t next_gen_ = 0;
};

}  // namespace lab
