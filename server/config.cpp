#include "server/config.h"

#include <algorithm>

namespace lab {

std::size_t ServerConfig::thread_limit() const {
  if (max_threads > 0) return static_cast<std::size_t>(max_threads);
  return std::clamp<std::size_t>(fd_limit / 2, 16, 10'000);  // each thread holds one fd
}

}  // namespace lab
