// epoll(7) backend, level- or edge-triggered. Edge-triggered registrations ask for reads and
// writes once (EPOLLIN|EPOLLOUT|EPOLLET) and never change: the reactor tracks what it wants.
#include <sys/epoll.h>
#include <unistd.h>

#include "server/reactor/poller.h"

namespace lab {
namespace {

class EpollPoller final : public Poller {
 public:
  EpollPoller(int epfd, bool et) : epfd_(epfd), et_(et), events_(1024) {}
  ~EpollPoller() override { ::close(epfd_); }
  const char* name() const override { return et_ ? "epoll-et" : "epoll"; }
  bool edge_triggered() const override { return et_; }
  bool add(int fd, unsigned interest) override { return ctl(EPOLL_CTL_ADD, fd, interest); }
  bool modify(int fd, unsigned interest) override {
    if (et_) return true;
    return ctl(EPOLL_CTL_MOD, fd, interest);
  }
  void remove(int fd) override { epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr); }
  void forget(int) override {}
  int wait(int timeout_ms, std::vector<PollEvent>& out) override {
    out.clear();
    int n = epoll_wait(epfd_, events_.data(), static_cast<int>(events_.size()), timeout_ms);
    for (int i = 0; i < n; ++i) {
      unsigned ev = 0;
      const std::uint32_t e = events_[i].events;
      if (e & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)) ev |= kReadable;
      if (e & (EPOLLOUT | EPOLLHUP | EPOLLERR)) ev |= kWritable;
      out.push_back({events_[i].data.fd, ev});
    }
    return n;
  }

 private:
  bool ctl(int op, int fd, unsigned interest) {
    epoll_event ev{};
    ev.data.fd = fd;
    if (et_) {
      ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    } else {
      ev.events = ((interest & kReadable) ? EPOLLIN : 0u) | ((interest & kWritable) ? EPOLLOUT : 0u);
    }
    return epoll_ctl(epfd_, op, fd, &ev) == 0;
  }
  int epfd_;
  bool et_;
  std::vector<epoll_event> events_;
};

}  // namespace

std::unique_ptr<Poller> make_epoll_poller(bool et) {
  const int epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) return nullptr;  // errno says why
  return std::make_unique<EpollPoller>(epfd, et);
}

}  // namespace lab
