// select(2) backend. Refuses fds >= FD_SETSIZE: FD_SET on them writes past the fd_set.
#include <sys/select.h>

#include <cerrno>

#include "server/reactor/poller.h"

namespace lab {
namespace {

class SelectPoller final : public Poller {
 public:
  SelectPoller() {
    FD_ZERO(&rset_);
    FD_ZERO(&wset_);
  }
  const char* name() const override { return "select"; }
  bool add(int fd, unsigned interest) override {
    if (fd < 0 || fd >= FD_SETSIZE) {
      errno = EINVAL;
      return false;
    }
    if (fd > maxfd_) maxfd_ = fd;
    return modify(fd, interest);
  }
  bool modify(int fd, unsigned interest) override {
    if (fd < 0 || fd >= FD_SETSIZE) return false;
    if (interest & kReadable)
      FD_SET(fd, &rset_);
    else
      FD_CLR(fd, &rset_);
    if (interest & kWritable)
      FD_SET(fd, &wset_);
    else
      FD_CLR(fd, &wset_);
    return true;
  }
  void remove(int fd) override {
    if (fd < 0 || fd >= FD_SETSIZE) return;
    FD_CLR(fd, &rset_);
    FD_CLR(fd, &wset_);
    while (maxfd_ >= 0 && !FD_ISSET(maxfd_, &rset_) && !FD_ISSET(maxfd_, &wset_)) --maxfd_;
  }
  int wait(int timeout_ms, std::vector<PollEvent>& out) override {
    out.clear();
    fd_set r = rset_, w = wset_;
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    int n = ::select(maxfd_ + 1, &r, &w, nullptr, timeout_ms < 0 ? nullptr : &tv);
    if (n <= 0) return n;
    for (int fd = 0; fd <= maxfd_ && static_cast<int>(out.size()) < n * 2; ++fd) {
      unsigned ev = (FD_ISSET(fd, &r) ? kReadable : 0u) | (FD_ISSET(fd, &w) ? kWritable : 0u);
      if (ev) out.push_back({fd, ev});
    }
    return static_cast<int>(out.size());
  }

 private:
  fd_set rset_, wset_;
  int maxfd_ = -1;
};

}  // namespace

std::unique_ptr<Poller> make_select_poller() { return std::make_unique<SelectPoller>(); }

}  // namespace lab
