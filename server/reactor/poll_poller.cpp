// poll(2) backend: a dense pollfd array plus an fd -> slot index, O(1) add/modify/remove.
#include <poll.h>

#include "server/reactor/poller.h"

namespace lab {
namespace {

class PollPoller final : public Poller {
 public:
  const char* name() const override { return "poll"; }
  bool add(int fd, unsigned interest) override {
    if (fd < 0) return false;
    if (static_cast<std::size_t>(fd) >= slot_.size()) slot_.resize(static_cast<std::size_t>(fd) + 1, -1);
    slot_[fd] = static_cast<int>(fds_.size());
    fds_.push_back({fd, to_events(interest), 0});
    return true;
  }
  bool modify(int fd, unsigned interest) override {
    if (fd < 0 || static_cast<std::size_t>(fd) >= slot_.size() || slot_[fd] < 0) return false;
    fds_[slot_[fd]].events = to_events(interest);
    return true;
  }
  void remove(int fd) override {
    if (fd < 0 || static_cast<std::size_t>(fd) >= slot_.size() || slot_[fd] < 0) return;
    int i = slot_[fd];
    fds_[i] = fds_.back();
    slot_[fds_[i].fd] = i;
    fds_.pop_back();
    slot_[fd] = -1;
  }
  int wait(int timeout_ms, std::vector<PollEvent>& out) override {
    out.clear();
    int n = ::poll(fds_.data(), fds_.size(), timeout_ms);
    if (n <= 0) return n;
    for (const pollfd& p : fds_) {
      if (!p.revents) continue;
      unsigned ev = 0;
      if (p.revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) ev |= kReadable;
      if (p.revents & (POLLOUT | POLLHUP | POLLERR | POLLNVAL)) ev |= kWritable;
      out.push_back({p.fd, ev});
      if (static_cast<int>(out.size()) == n) break;
    }
    return static_cast<int>(out.size());
  }

 private:
  static short to_events(unsigned interest) {
    return static_cast<short>(((interest & kReadable) ? POLLIN : 0) | ((interest & kWritable) ? POLLOUT : 0));
  }
  std::vector<pollfd> fds_;
  std::vector<int> slot_;
};

}  // namespace

std::unique_ptr<Poller> make_poll_poller() { return std::make_unique<PollPoller>(); }

}  // namespace lab
