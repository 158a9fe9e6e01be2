// UringIo::probe_wake: the check --client-io auto makes of the running kernel before it takes the
// ring (a completion must wake a thread asleep on the ring's eventfd as soon as a socket's reader).
#include <gtest/gtest.h>
#include <liburing.h>

#include <string>

#include "loadgen/client/uring.h"

namespace {

bool kernel_gives_a_ring() {
  io_uring ring;
  if (io_uring_queue_init(1, &ring, 0) != 0) return false;
  io_uring_queue_exit(&ring);
  return true;
}

// The lab's own kernel wakes the ring's thread in time (else auto would leave the ring: the
// differential suite, ClientPaths, checks the ring's runs themselves).
TEST(UringProbe, TheRingsWakeUpIsInTimeOnThisKernel) {
  if (!kernel_gives_a_ring()) GTEST_SKIP() << "this kernel gives no io_uring (auto takes sockets)";
  double median_us = -1;
  const std::string why = lab::UringIo::probe_wake(median_us);
  EXPECT_EQ(why, "");
  EXPECT_GE(median_us, 0.0);
  EXPECT_LT(median_us, 5000.0);
}

// A ring whose completions never wake the thread (the eventfd never signalled, as a lost wake-up
// looks): the probe says so, with the numbers, and auto would take sockets.
TEST(UringProbe, AWakeUpThatNeverComesIsReported) {
  if (!kernel_gives_a_ring()) GTEST_SKIP() << "this kernel gives no io_uring (auto takes sockets)";
  double median_us = -1;
  const std::string why = lab::UringIo::probe_wake(median_us, false);
  EXPECT_NE(why.find("woke the thread asleep on the ring's eventfd"), std::string::npos) << why;
  EXPECT_GE(median_us, 5000.0);
}

}  // namespace
