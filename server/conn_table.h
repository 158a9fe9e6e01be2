#pragma once
// Connections by fd, for drivers that own their connections (the reactor, the uring model):
// O(1) lookup, and a closed connection's slot is reused by the next fd the kernel hands out.
#include <cstddef>
#include <memory>
#include <vector>

namespace lab {

template <class Conn>
class ConnTable {
 public:
  explicit ConnTable(std::size_t reserve) : conns_(reserve) {}
  Conn* get(int fd) const {
    return fd >= 0 && static_cast<std::size_t>(fd) < conns_.size() ? conns_[static_cast<std::size_t>(fd)].get()
                                                                   : nullptr;
  }
  template <class... Args>
  Conn& emplace(int fd, Args&&... args) {
    if (static_cast<std::size_t>(fd) >= conns_.size()) conns_.resize(static_cast<std::size_t>(fd) + 1);
    auto& slot = conns_[static_cast<std::size_t>(fd)];
    slot = std::make_unique<Conn>(std::forward<Args>(args)...);
    ++live_;
    return *slot;
  }
  /// Destroys the connection (its fd must be closed by the caller).
  void erase(int fd) {
    if (!get(fd)) return;
    conns_[static_cast<std::size_t>(fd)].reset();
    --live_;
  }
  std::size_t live() const { return live_; }
  /// fn(conn) for every live connection; fn may erase the connection it is given.
  template <class Fn>
  void for_each(Fn fn) {
    for (std::size_t i = 0; i < conns_.size(); ++i)
      if (conns_[i]) fn(*conns_[i]);
  }

 private:
  std::vector<std::unique_ptr<Conn>> conns_;
  std::size_t live_ = 0;
};

}  // namespace lab
