#pragma once
// Receive buffers the kernel picks from (an io_uring "provided buffer ring"): a connection
// holds none while it waits, so 10,000 idle connections cost no buffer memory.
#include <liburing.h>
#include <sys/mman.h>

#include <memory>

namespace lab {

class BufferRing {
 public:
  static constexpr unsigned kCount = 1024;  // a power of two
  static constexpr unsigned kSize = 2048;
  static constexpr int kGroup = 0;

  BufferRing() = default;
  BufferRing(const BufferRing&) = delete;
  BufferRing& operator=(const BufferRing&) = delete;
  ~BufferRing();
  /// Registers the ring with `ring`; 0 or -errno.
  int init(io_uring* ring);
  char* data(unsigned id) { return storage_.get() + static_cast<std::size_t>(id) * kSize; }
  /// Gives buffer `id` back to the kernel.
  void recycle(unsigned id);

 private:
  static std::size_t ring_bytes() { return kCount * sizeof(io_uring_buf); }
  void* ring_ = MAP_FAILED;
  io_uring_buf_ring* br_ = nullptr;
  std::unique_ptr<char[]> storage_;
};

}  // namespace lab
