#include "server/reactor/reactor.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/net.h"
#include "server/stop.h"

namespace lab {

namespace {
constexpr int kAcceptsPerWakeup = 64;
constexpr std::size_t kReadChunk = 16384;
constexpr std::size_t kReadBudget = 4 * kReadChunk;  // per connection per wakeup
}  // namespace

Reactor::Reactor(const ModelContext& ctx, int listen_fd, std::unique_ptr<Poller> poller)
    : ctx_(ctx), listen_fd_(listen_fd), poller_(std::move(poller)), acceptor_(listen_fd, ctx.stats),
      et_(poller_->edge_triggered()),
      conns_(static_cast<std::size_t>(ctx.cfg.fd_limit ? ctx.cfg.fd_limit : 1024) + 16) {
  acceptor_.set_nonblocking_conns(true);
}

Reactor::~Reactor() {
  conns_.for_each([](Conn& c) { ::close(c.fd); });
}

int Reactor::run() {
  if (!poller_->add(listen_fd_, kReadable) || !poller_->add(stop_fd(), kReadable)) {
    std::fprintf(stderr, "server: %s: cannot watch the listener: %s\n", poller_->name(), std::strerror(errno));
    return 1;
  }
  std::vector<PollEvent> events;
  events.reserve(1024);
  std::vector<int> work;
  for (;;) {
    auto now = Clock::now();
    if (stop_requested() && !stopping_) begin_stop();
    if (stopping_ && (conns_.live() == 0 || now >= grace_end_)) break;
    if (!listening_ && !stopping_ && now >= resume_accept_) {
      listening_ = poller_->add(listen_fd_, kReadable);
      listener_ready_ = et_;  // edge-triggered: we may have missed the edge while paused
    }
    int timeout = (!pending_.empty() || listener_ready_) ? 0 : next_timeout_ms(now);
    int n = poller_->wait(timeout, events);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::fprintf(stderr, "server: %s wait: %s\n", poller_->name(), std::strerror(errno));
      return 1;
    }
    for (const PollEvent& e : events) on_event(e.fd, e.events);
    if (listener_ready_ && listening_) accept_some();
    if (!pending_.empty()) {
      work.swap(pending_);
      pending_.clear();
      for (int fd : work) {
        Conn* c = conns_.get(fd);
        if (!c) continue;
        c->queued = false;
        on_event(fd, kReadable);
      }
      work.clear();
    }
    deadlines_.expire(Clock::now(), [this](const TimerQueue::Entry& e) { on_deadline_fired(e); });
    if (fatal_) return 1;
  }
  // Grace ran out: whatever is left is closed.
  conns_.for_each([this](Conn& c) {
    bump(ctx_.stats.forced_closes);
    close_conn(c);
  });
  return 0;
}

void Reactor::begin_stop() {
  stopping_ = true;
  grace_end_ = Clock::now() + ctx_.cfg.grace;
  if (listening_) poller_->remove(listen_fd_);
  listening_ = false;
  listener_ready_ = false;
  poller_->remove(stop_fd());
  conns_.for_each([this](Conn& c) {  // connections with no request in progress go now
    if (!c.lingering && c.session.idle()) close_conn(c);
  });
}

void Reactor::on_event(int fd, unsigned events) {
  if (fd == listen_fd_) {
    if (listening_ && (events & kReadable)) accept_some();
    return;
  }
  if (fd == stop_fd()) {
    if (events & kReadable) begin_stop();
    return;
  }
  Conn* cp = conns_.get(fd);
  if (!cp) return;
  Conn& c = *cp;
  if (c.lingering) {
    if (events & kReadable) drain_lingering(c);
    return;
  }
  if ((events & kWritable) && c.session.has_pending() && !flush(c)) return;
  if (events & kReadable) {
    c.unread = true;  // an edge, or a requeue: read until EAGAIN (or until output backs up)
    if (c.session.wants_read()) {
      read_some(c);
      if (!conns_.get(fd)) return;
    }
  }
  after_io(c);
}

void Reactor::requeue(Conn& c) {
  if (c.queued) return;
  c.queued = true;
  pending_.push_back(c.fd);
}

void Reactor::accept_some() {
  listener_ready_ = false;
  for (int i = 0; i < kAcceptsPerWakeup; ++i) {
    const Accepted a = acceptor_.try_accept();
    switch (a.kind) {
      case Accepted::Kind::kAgain: return;
      case Accepted::Kind::kSurvived: continue;
      case Accepted::Kind::kOutOfFds:
        // Out of fds: stop watching the listener for 50 ms instead of spinning on it.
        poller_->remove(listen_fd_);
        listening_ = false;
        resume_accept_ = Clock::now() + std::chrono::milliseconds(50);
        return;
      case Accepted::Kind::kConnection: break;
      default: fatal_ = true; return;
    }
    if (!poller_->add(a.fd, kReadable)) {  // select: fd >= FD_SETSIZE
      refuse_with_503(a.fd, ctx_.stats.shed_503, std::chrono::milliseconds(0));
      continue;
    }
    Conn& c = conns_.emplace(a.fd, ctx_, a.fd, a.peer);
    c.interest = kReadable;
    arm(c, ctx_.cfg.read_timeout, DeadlineKind::kRead);
    if (et_) {  // data may have arrived with the handshake
      c.unread = true;
      requeue(c);
    }
  }
  if (et_) listener_ready_ = true;  // budget spent before EAGAIN: come back next turn
}

// Level-triggered: one read; the poller reports what is left. Edge-triggered: read until EAGAIN,
// within a budget (fairness); whatever stops the loop early leaves `unread` set, and after_io
// requeues the connection once the session wants input again.
void Reactor::read_some(Conn& c) {
  char buf[kReadChunk];
  std::size_t budget = kReadBudget;
  while (c.session.wants_read()) {
    ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
    if (n > 0) {
      c.session.on_bytes(buf, static_cast<std::size_t>(n));
      if (!et_) return;
      if (static_cast<std::size_t>(n) >= budget) return;  // let the others run
      budget -= static_cast<std::size_t>(n);
      continue;
    }
    c.unread = false;
    if (n == 0) {
      c.session.on_peer_eof();
      return;
    }
    if (errno == EINTR) {
      c.unread = true;
      continue;
    }
    if (errno == EAGAIN) return;
    bump(ctx_.stats.resets);
    close_conn(c);
    return;
  }
}

bool Reactor::flush(Conn& c) {
  while (c.session.has_pending()) {
    std::string_view out = c.session.pending();
    ssize_t n = ::send(c.fd, out.data(), out.size(), MSG_NOSIGNAL);
    if (n > 0) {
      c.session.on_written(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return true;
    bump(ctx_.stats.write_errors);
    close_conn(c);
    return false;
  }
  return true;
}

void Reactor::after_io(Conn& c) {
  if (c.session.has_pending() && !flush(c)) return;
  if (c.session.done()) {
    // Nothing unread: a plain close cannot reset the reply. Otherwise lingering close: stop
    // writing, read and discard until the client closes.
    if (!input_waiting(c.fd) || ::shutdown(c.fd, SHUT_WR) != 0) {
      close_conn(c);
      return;
    }
    c.lingering = true;
    set_interest(c, kReadable);
    arm(c, ctx_.cfg.linger, DeadlineKind::kLinger);
    if (et_) requeue(c);
    return;
  }
  if (c.session.waiting() && !c.waiting) {  // a backend call: a timer, the loop goes on
    c.waiting = true;
    arm(c, c.session.wait_for(), DeadlineKind::kWait);
  } else if (c.session.take_replied()) {
    arm(c, ctx_.cfg.read_timeout, DeadlineKind::kRead);  // keep-alive: the next request's deadline
  }
  if (et_ && c.unread && c.session.wants_read()) requeue(c);  // no edge will report it
  set_interest(c, (c.session.wants_read() ? kReadable : 0u) | (c.session.has_pending() ? kWritable : 0u));
}

void Reactor::drain_lingering(Conn& c) {
  char buf[kReadChunk];
  for (int i = 0; i < 4; ++i) {
    ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
    if (n > 0) continue;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    close_conn(c);  // EOF or error: the client is done
    return;
  }
  if (et_) requeue(c);
}

void Reactor::set_interest(Conn& c, unsigned interest) {
  if (interest == c.interest) return;
  c.interest = interest;
  poller_->modify(c.fd, interest);
}

void Reactor::arm(Conn& c, Clock::duration d, DeadlineKind kind) {
  c.gen = ++next_gen_;  // unique across connections: a reused fd never matches a stale entry
  c.written_mark = c.session.bytes_written();
  deadlines_.add(Clock::now(), d, c.fd, c.gen, kind);
}

void Reactor::on_deadline_fired(const TimerQueue::Entry& e) {
  Conn* c = conns_.get(e.fd);
  if (!c || c->gen != e.gen) return;  // stale
  if (apply_deadline(
          on_deadline(e.kind, c->session, c->written_mark, false), c->session, c->waiting, ctx_.stats.write_timeouts,
          [&] { close_conn(*c); }, [&] { arm(*c, ctx_.cfg.read_timeout, DeadlineKind::kRead); }))
    after_io(*c);
}

int Reactor::next_timeout_ms(Clock::time_point now) const {
  Clock::time_point next = now + std::chrono::milliseconds(1000);
  if (const auto d = deadlines_.next()) next = std::min(next, *d);
  if (!listening_ && !stopping_) next = std::min(next, resume_accept_);
  if (stopping_) next = std::min(next, grace_end_);
  // Round up: waking before a deadline would only wait again.
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(next - now).count();
  return static_cast<int>(std::max<long>((us + 999) / 1000, 0));
}

void Reactor::close_conn(Conn& c) {
  const int fd = c.fd;
  poller_->forget(fd);  // epoll: close() itself drops the registration (no fd is shared)
  ::close(fd);
  conns_.erase(fd);  // destroys c
}

int run_reactor(const ModelContext& ctx, std::unique_ptr<Poller> poller) {
  if (!poller) {
    std::fprintf(stderr, "server: %s: cannot create the poller: %s\n", ctx.model.name, std::strerror(errno));
    return 1;
  }
  Reactor reactor(ctx, ctx.listen_fd, std::move(poller));
  return reactor.run();
}

}  // namespace lab
