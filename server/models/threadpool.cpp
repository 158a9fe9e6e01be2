// threadpool: --workers threads (default 16) serve connections that one acceptor hands them
// through a bounded queue (--queue, default 1024). When the queue is full the acceptor stops
// accepting until a worker takes one (backpressure: connections wait in the kernel's listen
// queue, none is dropped). A worker keeps a connection alive only while nobody is queued: with
// others waiting, its next reply says "Connection: close" and it takes the next one (fairness,
// docs/models.md). At shutdown, queued and in-flight connections get --grace.
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "server/acceptor.h"
#include "server/blocking_conn.h"
#include "server/live_conns.h"
#include "server/model.h"
#include "server/stop.h"

namespace lab {

namespace {
struct Item {
  int fd;
  sockaddr_in peer;
};

class BoundedQueue : public WaitingProbe {
 public:
  explicit BoundedQueue(std::size_t cap) : cap_(cap) {}
  /// Blocks while full; false when stopping.
  bool wait_not_full() {
    std::unique_lock lk(mu_);
    while (q_.size() >= cap_) {
      if (stop_requested()) return false;
      not_full_.wait_for(lk, std::chrono::milliseconds(100));
    }
    return true;
  }
  // Connections wait for a worker when more are queued than workers are idle in pop(): one that
  // sits in the queue an instant before an idle worker takes it is not waiting.
  bool others_waiting() const override {
    return size_.load(std::memory_order_relaxed) > idle_.load(std::memory_order_relaxed);
  }
  void push(Item it) {
    {
      std::lock_guard lk(mu_);
      q_.push_back(it);
      size_.store(q_.size(), std::memory_order_relaxed);
    }
    not_empty_.notify_one();
  }
  /// Blocks until an item or close(); false when closed and empty.
  bool pop(Item& out) {
    std::unique_lock lk(mu_);
    idle_.fetch_add(1, std::memory_order_relaxed);
    not_empty_.wait(lk, [&] { return !q_.empty() || closed_; });
    idle_.fetch_sub(1, std::memory_order_relaxed);
    if (q_.empty()) return false;
    out = q_.front();
    q_.pop_front();
    size_.store(q_.size(), std::memory_order_relaxed);
    not_full_.notify_one();
    return true;
  }
  void close() {
    {
      std::lock_guard lk(mu_);
      closed_ = true;
    }
    not_empty_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable not_full_, not_empty_;
  std::deque<Item> q_;
  std::size_t cap_;
  bool closed_ = false;
  std::atomic<std::size_t> size_{0}, idle_{0};
};
}  // namespace

int run_threadpool(const ModelContext& ctx) {
  const int nworkers = ctx.cfg.workers > 0 ? ctx.cfg.workers : ctx.model.workers;  // (16: common/models.def)
  BoundedQueue queue(static_cast<std::size_t>(ctx.cfg.queue));
  ModelContext pooled = ctx;  // the workers' Sessions see the queue
  pooled.waiting = &queue;
  LiveConns live;
  std::vector<std::thread> workers;
  for (int i = 0; i < nworkers; ++i) {
    workers.emplace_back([&] {
      Item it;
      while (queue.pop(it)) {
        live.add(it.fd);
        serve_blocking(it.fd, it.peer, pooled, &live);
      }
    });
  }
  Acceptor acceptor(ctx.listen_fd, ctx.stats);
  int rc = 0;
  while (queue.wait_not_full()) {
    const Accepted a = acceptor.accept();
    if (!a.connection()) {
      rc = a.kind == Accepted::Kind::kStopped ? 0 : 1;
      break;
    }
    queue.push({a.fd, a.peer});
  }
  queue.close();  // workers finish what is queued, then exit
  std::thread drainer([&] { live.drain(ctx.cfg.grace, ctx.stats); });
  for (auto& t : workers) t.join();
  drainer.join();
  return rc;
}

}  // namespace lab
