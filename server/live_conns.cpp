#include "server/live_conns.h"

#include <pthread.h>
#include <sys/socket.h>

#include "server/stop.h"

namespace lab {

bool LiveConns::wait_for_slot(std::size_t limit) {
  std::unique_lock lk(mu_);
  while (fds_.size() >= limit) {
    if (stop_requested()) return false;
    cv_.wait_for(lk, std::chrono::milliseconds(100));
  }
  return !stop_requested();
}

void LiveConns::add(int fd) {
  std::lock_guard lk(mu_);
  fds_.insert(fd);
}

void LiveConns::remove(int fd) {
  // Notify under the lock: once drain() can see the change, this thread no longer touches
  // the condition variable (drain's caller destroys it).
  std::lock_guard lk(mu_);
  fds_.erase(fd);
  cv_.notify_all();
}

void LiveConns::thread_enter() {
  std::lock_guard lk(mu_);
  ++threads_;
}

void LiveConns::thread_exit() {
  std::lock_guard lk(mu_);
  --threads_;
  cv_.notify_all();
}

void LiveConns::drain(std::chrono::milliseconds grace, ServerStats& stats) {
  std::unique_lock lk(mu_);
  cv_.wait_for(lk, grace, [&] { return fds_.empty(); });
  for (int fd : fds_) {
    // Wakes the thread blocked on this socket; it closes the fd itself.
    if (::shutdown(fd, SHUT_RDWR) == 0) bump(stats.forced_closes);
  }
  cv_.wait(lk, [&] { return fds_.empty() && threads_ == 0; });
}

int spawn_small_thread(void* (*fn)(void*), void* arg) {
  pthread_attr_t attr;
  int err = pthread_attr_init(&attr);
  if (err) return err;
  err = pthread_attr_setstacksize(&attr, 128 * 1024);
  if (!err) err = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_t t;
  if (!err) err = pthread_create(&t, &attr, fn, arg);
  pthread_attr_destroy(&attr);
  return err;
}

}  // namespace lab
