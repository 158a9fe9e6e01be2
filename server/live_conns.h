#pragma once
// Connections being served by threads (multithread, select-seed, threadpool): bounds how many
// run at once and lets shutdown wait for them, then cut the stragglers loose after --grace.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <unordered_set>

#include "server/stats.h"

namespace lab {

class LiveConns {
 public:
  /// Thread-safe. Blocks while `limit` connections are live (backpressure), unless stopping.
  /// Returns false if stop was requested while waiting.
  bool wait_for_slot(std::size_t limit);
  /// Thread-safe.
  void add(int fd);
  /// Thread-safe; the serving thread calls it just before it closes the fd.
  void remove(int fd);
  /// Thread-safe. A serving thread is about to start (call before spawning it) / has finished
  /// everything, its lingering close included (its last use of this object).
  void thread_enter();
  void thread_exit();
  /// Waits up to `grace` for every connection to finish, then shuts down the sockets still open
  /// (their threads see EOF/errors and exit), waits until all are gone and every serving thread
  /// has exited.
  void drain(std::chrono::milliseconds grace, ServerStats& stats);

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_set<int> fds_;
  std::size_t threads_ = 0;
};

/// Starts a detached thread with a small stack (128 KiB) running fn(arg). Returns 0 or errno.
int spawn_small_thread(void* (*fn)(void*), void* arg);

}  // namespace lab
