#pragma once
// The poller contract the reactor is written against (after Redis's ae): register interest,
// change it, drop it, wait. One small backend per system call; they differ in nothing else.
#include <memory>
#include <string>
#include <vector>

namespace lab {

struct ModelContext;

enum : unsigned { kReadable = 1u, kWritable = 2u };

struct PollEvent {
  int fd;
  unsigned events;  // kReadable | kWritable; errors and hang-ups are reported as both
};

class Poller {
 public:
  virtual ~Poller() = default;
  virtual const char* name() const = 0;
  /// Edge-triggered backends report readiness once per change: the reactor reads/accepts until
  /// EAGAIN and remembers fds it left with work to do.
  virtual bool edge_triggered() const { return false; }
  /// Returns false when the fd cannot be watched (select: fd >= FD_SETSIZE; errno is set).
  virtual bool add(int fd, unsigned interest) = 0;
  virtual bool modify(int fd, unsigned interest) = 0;
  virtual void remove(int fd) = 0;
  /// The fd is about to be closed. Backends whose registration the kernel drops on close
  /// (epoll, when the fd is not shared) need no system call; the others forget it like remove.
  virtual void forget(int fd) { remove(fd); }
  /// Waits up to timeout_ms (-1: forever); fills `out`; returns the count or -1 with errno.
  virtual int wait(int timeout_ms, std::vector<PollEvent>& out) = 0;
};

std::unique_ptr<Poller> make_select_poller();
std::unique_ptr<Poller> make_poll_poller();
/// nullptr (errno set) when the kernel refuses an epoll instance (e.g. EMFILE).
std::unique_ptr<Poller> make_epoll_poller(bool edge_triggered);
/// Runs the reactor on `poller` over ctx's listener; a null poller is reported and exits 1.
int run_reactor(const ModelContext& ctx, std::unique_ptr<Poller> poller);

}  // namespace lab
