#include "server/uring/buffers.h"

#include <cerrno>
#include <cstdint>

namespace lab {

BufferRing::~BufferRing() {
  if (ring_ != MAP_FAILED) ::munmap(ring_, ring_bytes());
}

int BufferRing::init(io_uring* ring) {
  ring_ = ::mmap(nullptr, ring_bytes(), PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (ring_ == MAP_FAILED) return -errno;
  br_ = static_cast<io_uring_buf_ring*>(ring_);
  io_uring_buf_ring_init(br_);
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<std::uintptr_t>(ring_);
  reg.ring_entries = kCount;
  reg.bgid = kGroup;
  if (int r = io_uring_register_buf_ring(ring, &reg, 0); r < 0) return r;
  storage_ = std::make_unique<char[]>(static_cast<std::size_t>(kCount) * kSize);
  for (unsigned i = 0; i < kCount; ++i)
    io_uring_buf_ring_add(br_, data(i), kSize, static_cast<unsigned short>(i), io_uring_buf_ring_mask(kCount),
                          static_cast<int>(i));
  io_uring_buf_ring_advance(br_, kCount);
  return 0;
}

void BufferRing::recycle(unsigned id) {
  io_uring_buf_ring_add(br_, data(id), kSize, static_cast<unsigned short>(id), io_uring_buf_ring_mask(kCount), 0);
  io_uring_buf_ring_advance(br_, 1);
}

}  // namespace lab
