#include "server/blocking_conn.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "common/net.h"
#include "server/acceptor.h"
#include "server/session.h"
#include "server/stop.h"

namespace lab {

void serve_blocking(int fd, const sockaddr_in& peer, const ModelContext& ctx, LiveConns* live) {
  const ServerConfig& cfg = ctx.cfg;
  ServerStats& stats = ctx.stats;
  auto forget = [&] {
    if (live) live->remove(fd);
  };
  using clock = std::chrono::steady_clock;
  Session s(ctx, &peer);
  auto deadline = clock::now() + cfg.read_timeout;
  clock::time_point stop_seen{};
  char buf[16384];
  for (;;) {
    if (s.has_pending()) {
      std::string_view out = s.pending();
      int err = write_all(fd, out.data(), out.size(), cfg.read_timeout);
      if (err != 0) {
        bump(err == ETIMEDOUT ? stats.write_timeouts : stats.write_errors);
        forget();
        ::close(fd);
        return;
      }
      s.on_written(out.size());
      continue;
    }
    if (s.done()) {
      forget();
      lingering_close(fd, cfg.linger);
      return;
    }
    if (s.take_replied()) deadline = clock::now() + cfg.read_timeout;  // the next request's
    if (stop_requested()) {
      // Shutting down: a connection with no request in progress closes now; one mid-request
      // gets --grace to finish. A request the kernel holds unread is in progress too (a
      // connection still queued for a worker, or one that just sent its next request).
      const auto now = clock::now();
      if (stop_seen == clock::time_point{}) stop_seen = now;
      const bool idle = s.idle() && !input_waiting(fd);
      if (idle || now - stop_seen > cfg.grace) {
        if (!idle) bump(stats.forced_closes);
        forget();
        ::close(fd);
        return;
      }
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    if (left.count() <= 0) {
      s.on_read_timeout();
      continue;  // done() now; lingering close
    }
    // Wake at least every 200 ms to notice a shutdown while idle between requests.
    int wait_ms = static_cast<int>(std::min<long>(left.count(), 200));
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, wait_ms);
    if (r < 0) {
      if (errno == EINTR) continue;
      bump(stats.resets);
      forget();
      ::close(fd);
      return;
    }
    if (r == 0) continue;
    ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      s.on_bytes(buf, static_cast<std::size_t>(n));
    } else if (n == 0) {
      s.on_peer_eof();
    } else if (errno != EAGAIN && errno != EINTR) {
      bump(stats.resets);
      forget();
      ::close(fd);
      return;
    }
  }
}

namespace {
struct ThreadJob {
  int fd;
  sockaddr_in peer;
  const ModelContext* ctx;
  LiveConns* live;
};

void* run_thread_job(void* arg) {
  auto* job = static_cast<ThreadJob*>(arg);
  serve_blocking(job->fd, job->peer, *job->ctx, job->live);
  LiveConns* live = job->live;
  delete job;
  live->thread_exit();  // the thread's last touch of shared state
  return nullptr;
}
}  // namespace

bool serve_on_new_thread(int fd, const sockaddr_in& peer, const ModelContext& ctx, LiveConns& live) {
  if (!live.wait_for_slot(ctx.cfg.thread_limit())) {
    ::close(fd);  // stopping
    return false;
  }
  live.add(fd);
  live.thread_enter();
  auto* job = new ThreadJob{fd, peer, &ctx, &live};
  if (spawn_small_thread(run_thread_job, job) != 0) {
    delete job;
    live.remove(fd);
    live.thread_exit();
    refuse_with_503(fd, ctx.stats.spawn_failures, std::chrono::milliseconds(100));
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // threads failing: back off
  }
  return true;
}

}  // namespace lab
