#include "server/reactor/reactor.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/http_reply.h"
#include "common/net.h"
#include "server/stop.h"

namespace lab {

namespace {
constexpr int kAcceptsPerWakeup = 64;
constexpr std::size_t kReadChunk = 16384;
constexpr std::size_t kReadBudget = 4 * kReadChunk;  // per connection per wakeup
}  // namespace

Reactor::Reactor(const ModelContext& ctx, int listen_fd, std::unique_ptr<Poller> poller)
    : ctx_(ctx), listen_fd_(listen_fd), poller_(std::move(poller)),
      acceptor_(listen_fd, ctx.stats), et_(poller_->edge_triggered()) {
  acceptor_.set_nonblocking_conns(true);
  conns_.resize(static_cast<std::size_t>(ctx.cfg.fd_limit ? ctx.cfg.fd_limit : 1024) + 16);
}

Reactor::~Reactor() {
  for (auto& c : conns_)
    if (c) ::close(c->fd);
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
    if (stopping_ && (live_ == 0 || now >= grace_end_)) break;
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
        if (!conns_[fd]) continue;
        conns_[fd]->queued = false;
        on_event(fd, kReadable);
      }
      work.clear();
    }
    expire_timers(Clock::now());
    if (fatal_) return 1;
  }
  // Grace ran out: whatever is left is closed.
  for (auto& c : conns_) {
    if (!c) continue;
    bump(ctx_.stats.forced_closes);
    close_conn(*c);
  }
  return 0;
}

void Reactor::begin_stop() {
  stopping_ = true;
  grace_end_ = Clock::now() + ctx_.cfg.grace;
  if (listening_) poller_->remove(listen_fd_);
  listening_ = false;
  listener_ready_ = false;
  poller_->remove(stop_fd());
  for (auto& c : conns_)  // connections with no request in progress go now
    if (c && !c->lingering && c->session.idle()) close_conn(*c);
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
  if (fd < 0 || static_cast<std::size_t>(fd) >= conns_.size() || !conns_[fd]) return;
  Conn& c = *conns_[fd];
  if (c.lingering) {
    if (events & kReadable) drain_lingering(c);
    return;
  }
  if ((events & kWritable) && c.session.has_pending() && !flush(c)) return;
  if (events & kReadable) {
    c.unread = true;  // an edge, or a requeue: read until EAGAIN (or until output backs up)
    if (c.session.wants_read()) {
      read_some(c);
      if (!conns_[fd]) return;
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
    sockaddr_in peer{};
    int fd = acceptor_.try_accept(peer);
    if (fd == Acceptor::kAgain) return;
    if (fd == Acceptor::kSurvived) continue;
    if (fd == Acceptor::kOutOfFds) {
      // Out of fds: stop watching the listener for 50 ms instead of spinning on it.
      poller_->remove(listen_fd_);
      listening_ = false;
      resume_accept_ = Clock::now() + std::chrono::milliseconds(50);
      return;
    }
    if (fd == Acceptor::kFatal) {
      fatal_ = true;
      return;
    }
    if (static_cast<std::size_t>(fd) >= conns_.size()) conns_.resize(static_cast<std::size_t>(fd) + 1);
    if (!poller_->add(fd, kReadable)) {
      shed(fd);  // select: fd >= FD_SETSIZE
      continue;
    }
    conns_[fd] = std::make_unique<Conn>(ctx_, fd, peer);
    Conn& c = *conns_[fd];
    c.interest = kReadable;
    ++live_;
    arm(c, read_timers_, ctx_.cfg.read_timeout);
    if (et_) {  // data may have arrived with the handshake
      c.unread = true;
      requeue(c);
    }
  }
  if (et_) listener_ready_ = true;  // budget spent before EAGAIN: come back next turn
}

void Reactor::shed(int fd) {
  bump(ctx_.stats.shed_503);
  std::string reply;
  append_error_reply(reply, 503);
  ssize_t w = ::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  (void)w;  // best effort: the connection is refused either way
  ::shutdown(fd, SHUT_WR);
  char sink[1024];
  while (::recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0) {
  }
  ::close(fd);
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
    arm(c, linger_timers_, ctx_.cfg.linger);
    if (et_) requeue(c);
    return;
  }
  if (c.session.replies() != c.replies_seen) {
    c.replies_seen = c.session.replies();
    if (stopping_ && c.session.idle()) {
      close_conn(c);
      return;
    }
    arm(c, read_timers_, ctx_.cfg.read_timeout);  // keep-alive: the next request's deadline
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

void Reactor::arm(Conn& c, std::deque<Timer>& list, std::chrono::milliseconds d) {
  c.gen = ++next_gen_;  // unique across connections: a reused fd never matches a stale timer
  c.written_mark = c.session.bytes_written();
  list.push_back({Clock::now() + d, c.fd, c.gen});
}

void Reactor::expire_timers(Clock::time_point now) {
  for (auto* list : {&read_timers_, &linger_timers_}) {
    while (!list->empty() && list->front().when <= now) {
      Timer t = list->front();
      list->pop_front();
      if (!conns_[t.fd] || conns_[t.fd]->gen != t.gen) continue;  // stale
      Conn& c = *conns_[t.fd];
      if (c.lingering) {
        close_conn(c);
      } else if (c.session.has_pending()) {
        // Output waits for a peer that must read it: it has had a whole read timeout. One that
        // took nothing in that time has stopped reading; one that took some gets another.
        if (c.session.bytes_written() == c.written_mark) {
          bump(ctx_.stats.write_timeouts);
          close_conn(c);
        } else {
          arm(c, read_timers_, ctx_.cfg.read_timeout);
        }
      } else {
        c.session.on_read_timeout();
        after_io(c);
      }
    }
  }
}

int Reactor::next_timeout_ms(Clock::time_point now) const {
  Clock::time_point next = now + std::chrono::milliseconds(1000);
  if (!read_timers_.empty()) next = std::min(next, read_timers_.front().when);
  if (!linger_timers_.empty()) next = std::min(next, linger_timers_.front().when);
  if (!listening_ && !stopping_) next = std::min(next, resume_accept_);
  if (stopping_) next = std::min(next, grace_end_);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count() + 1;
  return static_cast<int>(std::max<long>(ms, 0));
}

void Reactor::close_conn(Conn& c) {
  const int fd = c.fd;
  poller_->forget(fd);  // epoll: close() itself drops the registration (no fd is shared)
  ::close(fd);
  --live_;
  conns_[fd].reset();  // destroys c
}

}  // namespace lab
