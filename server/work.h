#pragma once
// CPU work per request (--work-us): a busy loop calibrated once at start-up to take the asked
// time on this machine when it has the CPU to itself. It is work, not a sleep: under
// contention it takes longer, as a real handler would.
#include <chrono>
#include <cstdint>

namespace lab {

/// Measures this machine's loop speed against the thread's CPU clock (a few ms; the fastest of
/// several tries), so neither contention nor a CPU quota skews it. Call once before serving (before forking). Returns
/// iterations per microsecond.
double calibrate_busy_work();
/// Spins for about `d` of CPU time at the calibrated speed.
void busy_work(std::chrono::microseconds d);

}  // namespace lab
