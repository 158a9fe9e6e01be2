// The --work-us busy loop's calibration: its speed is read against the thread's own CPU clock, so a
// thread that shares its CPU (or a CPU quota that throttles it) calibrates the same work.
#include <gtest/gtest.h>
#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <thread>
#include <vector>

#include "server/work.h"

namespace lab {
namespace {

bool pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

// Four spinning threads on the calibrating thread's CPU leave it a fifth of the wall clock: a
// wall-clock calibration read about a fifth of the speed (and every --work-us request then did a
// fifth of its work); the CPU clock reads the same speed as alone.
TEST(BusyWork, CalibrationIsTheSameWhenTheCpuIsShared) {
  double alone = 0, shared = 0;
  std::thread([&] {
    ASSERT_TRUE(pin_to(0));
    alone = calibrate_busy_work();
    std::atomic<bool> stop{false};
    std::vector<std::thread> spinners;
    for (int i = 0; i < 4; ++i)
      spinners.emplace_back([&] {
        pin_to(0);
        volatile std::uint64_t x = 0;
        while (!stop.load(std::memory_order_relaxed)) x = x + 1;
      });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // they are running
    shared = calibrate_busy_work();
    stop = true;
    for (auto& t : spinners) t.join();
  }).join();
  ASSERT_GT(alone, 0);
  EXPECT_GT(shared / alone, 0.7) << "alone " << alone << " iterations/us, sharing its CPU " << shared;
}

}  // namespace
}  // namespace lab
