#include "server/stats.h"

#include <sys/mman.h>

#include <new>

namespace lab {

std::string ServerStats::summary() const {
  auto v = [](const std::atomic<std::uint64_t>& a) { return std::to_string(a.load()); };
  return "connections=" + v(connections) + " replies=" + v(replies) + " errors: bad_request=" + v(bad_request) +
         " too_large=" + v(too_large) + " payload_too_large=" + v(payload_too_large) +
         " not_implemented=" + v(not_implemented) + " shed_503=" + v(shed_503) + " read_timeouts=" + v(read_timeouts) +
         " peer_closed_early=" + v(peer_closed_early) + " resets=" + v(resets) + " write_errors=" + v(write_errors) +
         " write_timeouts=" + v(write_timeouts) + " accept_out_of_fds=" + v(accept_out_of_fds) +
         " accept_errors=" + v(accept_errors) + " option_errors=" + v(option_errors) +
         " spawn_failures=" + v(spawn_failures) + " worker_restarts=" + v(worker_restarts) +
         " forced_closes=" + v(forced_closes);
}

ServerStats* make_shared_stats() {
  static_assert(std::atomic<std::uint64_t>::is_always_lock_free, "shared counters need lock-free atomics");
  void* p = mmap(nullptr, sizeof(ServerStats), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  return new (p) ServerStats();
}

}  // namespace lab
