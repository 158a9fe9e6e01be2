#pragma once
// The machine's own costs, each measured on its own in a second or less (server --calibrate):
// the primitives the concurrency models pay for. Every probe runs batches of the operation and
// returns the time per operation of each batch, so the spread over batches is the noise.
// A probe that cannot run here (a system call failed) returns an error naming the call.
#include <cstddef>
#include <string>
#include <vector>

namespace lab {

struct ProbeResult {
  std::string name;        // e.g. "fork_exit_wait"
  std::string what;        // what one operation is, in words
  std::vector<double> us;  // microseconds per operation, one value per batch
  std::size_t per_batch = 0;
  std::string error;  // set when the probe could not run ("fork: Resource temporarily unavailable")
};

/// fork() of this process (its real memory map), the child _exit(0)s, the parent waitpid()s.
ProbeResult probe_fork();
/// The same with vfork(): a process without copying the memory map (the map's share of fork).
ProbeResult probe_vfork();
/// std::thread start + join of a thread that returns at once.
ProbeResult probe_thread();
/// One switch between two threads on the same CPU, ping-ponging a byte over two pipes (half a
/// round trip).
ProbeResult probe_context_switch();
/// Loopback TCP: the client's socket+connect+close and the server's accept+close, timed apart.
std::vector<ProbeResult> probe_connections();
/// A 64-byte request and reply on an open loopback TCP connection (TCP_NODELAY) to an echo thread.
ProbeResult probe_round_trip();
/// poll, select and epoll_wait over N idle descriptors (eventfds) and one ready, N in `sizes`
/// (select only below FD_SETSIZE); names "poll_N", "select_N", "epoll_wait_N".
std::vector<ProbeResult> probe_readiness(const std::vector<int>& sizes);
/// memcpy of 256 KiB between two buffers already in memory.
ProbeResult probe_copy();
/// The busy loop of --work-us asked for 200 us: how long it takes (after calibrate_busy_work).
ProbeResult probe_busy_loop();
/// nanosleep(1 us): what the shortest sleep costs (the timer's slack).
ProbeResult probe_sleep();
/// clock_gettime(CLOCK_MONOTONIC).
ProbeResult probe_clock();

}  // namespace lab
