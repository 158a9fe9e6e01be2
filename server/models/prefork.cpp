// prefork: --workers processes (default 4) forked at start, each an iterative server
// accepting on the shared listener (the kernel hands each connection to one of them). A worker
// keeps a connection alive only while no other waits in the accept queue (then its next reply
// says "Connection: close"). The parent only supervises: a worker that dies while the server
// runs is replaced at once.
// At shutdown the parent signals the workers, waits --grace, then kills what is left.
#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <algorithm>
#include <map>
#include <new>
#include <vector>
#include <cstdio>

#include "server/acceptor.h"
#include "server/blocking_conn.h"
#include "server/children.h"
#include "server/model.h"
#include "server/stop.h"

namespace lab {

namespace {

// Which workers are idle in accept, one flag per worker slot, in memory shared across the fork.
// The parent clears the slot of a worker it reaps (one killed while idle would otherwise look
// idle forever) and gives the slot to its replacement.
struct IdleSlots {
  static constexpr int kMax = 1024;
  std::atomic<bool> idle[kMax];
};

// Connections wait for a worker when they sit in the kernel's accept queue (the listener is
// readable) while no worker is idle in accept.
class ListenerBacklog : public WaitingProbe {
 public:
  ListenerBacklog(int fd, const IdleSlots* slots, int n) : fd_(fd), slots_(slots), n_(n) {}
  bool others_waiting() const override {
    if (slots_)
      for (int i = 0; i < n_; ++i)
        if (slots_->idle[i].load(std::memory_order_relaxed)) return false;
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
  }

 private:
  int fd_;
  const IdleSlots* slots_;
  int n_;
};

[[noreturn]] void worker_main(const ModelContext& ctx, IdleSlots* slots, int slot, int n) {
  Acceptor acceptor(ctx.listen_fd, ctx.stats);
  const ListenerBacklog backlog(ctx.listen_fd, slots, n);
  ModelContext pooled = ctx;  // a kept-alive connection yields to those waiting
  pooled.waiting = &backlog;
  std::atomic<bool>* idle = slots ? &slots->idle[slot] : nullptr;
  for (;;) {
    if (idle) idle->store(true, std::memory_order_relaxed);
    const Accepted a = acceptor.accept();
    if (idle) idle->store(false, std::memory_order_relaxed);
    if (!a.connection()) _exit(a.kind == Accepted::Kind::kStopped ? 0 : 1);
    serve_blocking(a.fd, a.peer, pooled);
  }
}

}  // namespace

int run_prefork(const ModelContext& ctx) {
  const int n =
      std::min(ctx.cfg.workers > 0 ? ctx.cfg.workers : ctx.model.workers, IdleSlots::kMax);  // (4: common/models.def)
  void* shared = ::mmap(nullptr, sizeof(IdleSlots), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  IdleSlots* slots = nullptr;
  if (shared == MAP_FAILED)
    std::perror("server: mmap(idle slots): keep-alive fairness falls back to the accept queue alone");
  else
    slots = new (shared) IdleSlots{};
  Children children;
  std::map<pid_t, int> slot_of;  // worker pid -> its slot
  std::vector<int> free_slots;
  auto spawn = [&](int slot) {
    if (slots) slots->idle[slot].store(false);
    pid_t pid = fork_with_own_stop();
    if (pid == 0) worker_main(ctx, slots, slot, n);
    if (pid < 0) {
      bump(ctx.stats.spawn_failures);
      std::perror("server: fork(prefork worker)");
      free_slots.push_back(slot);
      return false;
    }
    children.add(pid);
    slot_of[pid] = slot;
    return true;
  };
  for (int i = 0; i < n; ++i)
    if (!spawn(i)) break;
  while (!stop_requested()) {
    pollfd p{stop_fd(), POLLIN, 0};
    int r = ::poll(&p, 1, 100);
    if (r < 0 && errno != EINTR) {
      std::perror("server: poll(stop)");
      break;
    }
    for (pid_t dead : children.reap()) {
      if (auto it = slot_of.find(dead); it != slot_of.end()) {
        if (slots) slots->idle[it->second].store(false);
        free_slots.push_back(it->second);
        slot_of.erase(it);
      }
    }
    while (!stop_requested() && !free_slots.empty()) {
      bump(ctx.stats.worker_restarts);
      const int slot = free_slots.back();
      free_slots.pop_back();
      if (!spawn(slot)) break;
    }
  }
  children.stop_all(ctx.cfg.grace, ctx.stats, /*terminate_first=*/true);
  if (slots && ::munmap(shared, sizeof(IdleSlots)) != 0) std::perror("server: munmap(idle slots)");
  return 0;
}

}  // namespace lab
