// Each model's capacity predicted from given costs: the formulas, stated and exact.
#include <gtest/gtest.h>

#include "loadgen/capacity/predict.h"

namespace {

lab::Calibration costs() {
  lab::Calibration c;
  auto set = [&](const std::string& n, double us) { c.costs[n] = lab::Cost{"", us, us, us, 11, 1}; };
  set("fork_exit_wait", 500);
  set("thread_create_join", 20);
  set("context_switch", 2);
  set("tcp_accept_close", 8);
  set("loopback_round_trip", 14);
  set("busy_loop_200us", 210);
  set("memcpy_256k", 5);
  set("epoll_wait_10", 0.5);
  set("poll_10", 0.5);
  set("poll_100", 3);
  set("poll_1000", 25);
  set("poll_10000", 295);
  set("select_10", 0.7);
  set("select_100", 3.1);
  set("select_1000", 27);
  c.host["cpus_online"] = 2;
  return c;
}

lab::PredictInput input(const std::string& model) {
  lab::PredictInput in;
  in.model = model;
  return in;
}

}  // namespace

TEST(Predict, AForkPerConnectionIsOneCpuOverItsCosts) {
  const auto p = lab::predict(input("multiprocess"), costs());
  ASSERT_TRUE(p);
  // accept+close 8, round trip / 2 = 7, fork 500, a switch 2
  EXPECT_DOUBLE_EQ(p->rps, 1e6 / (8 + 7 + 500 + 2));
  EXPECT_NE(p->formula.find("fork_exit_wait 500.0"), std::string::npos) << p->formula;
  EXPECT_NE(p->formula.find("= 1,934/s"), std::string::npos) << p->formula;
}

// Costs that add up to no time predict nothing (before: an infinite rate).
TEST(Predict, CostsOfNoTimePredictNothing) {
  lab::Calibration c = costs();
  for (auto& [name, k] : c.costs) k.median_us = 0;
  std::string why;
  EXPECT_FALSE(lab::predict(input("epoll"), c, &why));
  EXPECT_NE(why.find("no time"), std::string::npos) << why;
}

TEST(Predict, ThreadsPerConnectionPayCreateAndSwitch) {
  const auto p = lab::predict(input("multithread"), costs());
  ASSERT_TRUE(p);
  EXPECT_DOUBLE_EQ(p->rps, 1e6 / (8 + 7 + 20 + 2));
}

TEST(Predict, AWaitBlockingAPoolIsWorkersOverTheWait) {
  lab::PredictInput in = input("threadpool");
  in.io_wait_ms = 20;
  in.connections = 1000;
  const auto p = lab::predict(in, costs());
  ASSERT_TRUE(p);
  const double cpu_us = 8 + 7 + 2 * 2;  // two switches: the acceptor hands the connection over
  EXPECT_DOUBLE_EQ(p->rps, 16 / (0.020 + cpu_us / 1e6));
  EXPECT_EQ(p->formula.rfind("16 threads / (20 ms wait", 0), 0u) << p->formula;
  in.workers = 32;
  EXPECT_DOUBLE_EQ(lab::predict(in, costs())->rps, 32 / (0.020 + cpu_us / 1e6));
  in.model = "prefork";
  in.workers = 0;
  EXPECT_DOUBLE_EQ(lab::predict(in, costs())->rps, 4 / (0.020 + (8 + 7 + 2) / 1e6));
  in.model = "single";
  EXPECT_DOUBLE_EQ(lab::predict(in, costs())->rps, 1 / (0.020 + (8 + 7) / 1e6));
}

TEST(Predict, AnEventLoopWaitsOnATimerUnlessTheWaitBlocksIt) {
  lab::PredictInput in = input("epoll");
  in.io_wait_ms = 20;
  EXPECT_DOUBLE_EQ(lab::predict(in, costs())->rps, 1e6 / (8 + 7 + 0.5)) << "a timer: the CPU is the limit";
  in.io_wait_blocks = true;
  EXPECT_DOUBLE_EQ(lab::predict(in, costs())->rps, 1 / (0.020 + 15.5 / 1e6));
  in.model = "reuseport";  // a loop per CPU
  EXPECT_DOUBLE_EQ(lab::predict(in, costs())->rps, 2 / (0.020 + 15.5 / 1e6));
}

TEST(Predict, WorkAndCopiesAddTheirMeasuredCost) {
  lab::PredictInput in = input("epoll-et");
  in.new_connection = false;
  in.work_us = 200;
  EXPECT_DOUBLE_EQ(lab::predict(in, costs())->rps, 1e6 / (7 + 210 + 0.5)) << "the busy loop as measured, not as asked";
  in.work_us = 0;
  in.body_bytes = 512 * 1024;
  EXPECT_DOUBLE_EQ(lab::predict(in, costs())->rps, 1e6 / (7 + 10 + 0.5));
}

TEST(Predict, PollAndSelectScanEveryDescriptor) {
  lab::PredictInput in = input("poll");
  in.new_connection = false;
  in.connections = 2000;  // 2001 descriptors with the listener
  const double scan = 25 + (295 - 25) * (2001 - 1000) / 9000.0;
  EXPECT_DOUBLE_EQ(lab::predict(in, costs())->rps, 1e6 / (7 + scan));
  in.connections = 20000;  // beyond the largest size measured: its cost per descriptor
  EXPECT_DOUBLE_EQ(lab::predict(in, costs())->rps, 1e6 / (7 + 295 * 20001 / 10000.0));
  in.model = "select";
  std::string why;
  EXPECT_FALSE(lab::predict(in, costs(), &why));
  EXPECT_NE(why.find("FD_SETSIZE"), std::string::npos) << why;
  in.connections = 50;
  EXPECT_DOUBLE_EQ(lab::predict(in, costs())->rps, 1e6 / (7 + 0.7 + (3.1 - 0.7) * (51 - 10) / 90.0));
}

TEST(Predict, APoolWithMoreKeptAliveConnectionsThanWorkersPaysANewConnectionEach) {
  lab::PredictInput in = input("threadpool");
  in.new_connection = false;
  in.connections = 50;  // 16 workers: a worker ends its connection with the reply when others wait
  EXPECT_DOUBLE_EQ(lab::predict(in, costs())->rps, 1e6 / (8 + 7 + 2 * 2));
  in.connections = 16;  // one connection each: kept alive, one switch per request
  EXPECT_DOUBLE_EQ(lab::predict(in, costs())->rps, 1e6 / (7 + 2));
}

TEST(Predict, NoPredictionWhereTheMechanismIsNotACost) {
  std::string why;
  lab::Calibration partial = costs();
  partial.costs.erase("fork_exit_wait");
  EXPECT_FALSE(lab::predict(input("multiprocess"), partial, &why));
  EXPECT_NE(why.find("lacks fork_exit_wait"), std::string::npos) << why;
  EXPECT_FALSE(lab::predict(input("nosuchmodel"), costs(), &why));
}

TEST(Predict, MoreThanAQuarterAwayIsFlagged) {
  EXPECT_FALSE(lab::agreement(76, 100).off);
  EXPECT_TRUE(lab::agreement(74, 100).off);
  EXPECT_FALSE(lab::agreement(124, 100).off);
  EXPECT_TRUE(lab::agreement(126, 100).off);
  EXPECT_DOUBLE_EQ(lab::agreement(50, 100).ratio, 0.5);
}

namespace {

// The projection from the service demand measured in the run: CPUs / D, or the concurrency bound
// where a wait blocks W workers, whichever is lower, and the formula names which binds.
TEST(Predict, TheProjectionIsCpusOverTheDemandOrTheWaitingBound) {
  lab::PredictInput in;
  in.model = "epoll";
  const lab::Prediction cpu = lab::project(in, 40.0, 0.25, 2);
  EXPECT_DOUBLE_EQ(cpu.rps, 0.25 * 1e6 / 40.0);
  EXPECT_NE(cpu.formula.find("0.25 CPU / 40.0 us measured = 6,250/s"), std::string::npos) << cpu.formula;
  in.model = "threadpool";
  in.io_wait_ms = 20;
  const lab::Prediction pool = lab::project(in, 40.0, 1.0, 2);
  EXPECT_NEAR(pool.rps, 16 / (0.020 + 40e-6), 1e-6);
  EXPECT_NE(pool.formula.find("16 threads / (20 ms wait + 40.0 us)"), std::string::npos) << pool.formula;
  in.model = "epoll";  // an event loop waits on a timer: the CPU binds
  EXPECT_DOUBLE_EQ(lab::project(in, 40.0, 1.0, 2).rps, 25000.0);
}

}  // namespace
