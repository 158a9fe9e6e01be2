// Building a run's result from what the engine collected: the client's health on its own
// evidence, a run interrupted before its start, and the verdicts the tables print.
#include <gtest/gtest.h>
#include <csignal>
#include <time.h>

#include <chrono>
#include <thread>

#include "loadgen/run/engine.h"
#include "loadgen/measure/result_builder.h"
#include "loadgen/output/summary.h"
#include "tests/support/result_docs.h"

namespace lab {
namespace {

std::uint64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

// One load thread that records 1,000 requests each started 20 ms late (the limit is 5 ms), while
// either idling (a server's timeouts arriving in bursts) or busy for 0.7 s of CPU in the second.
Result run_with_late_starts(bool busy) {
  WorkerStats stats;
  Collector c({&stats});  // as the engine does: before its load threads start
  std::thread t([&] {
    stats.attach_thread();
    for (int i = 0; i < 1000; ++i) stats.record_success(200, 1'000'000, 0, 10, 20'000'000);
    if (busy) {
      const std::uint64_t start = thread_cpu_ns();
      volatile std::uint64_t x = 0;
      while (thread_cpu_ns() - start < 700'000'000) x = x + 1;
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    stats.detach_thread();
  });
  t.join();
  c.tick(1, 1.0, 1);  // the second the thread ran in
  RunSettings s;
  s.workload.mode = LoadMode::kMax;
  RunFacts f;
  f.duration_s = 1;
  f.cpu_s = 0.1;  // the process's share over the run: not near its limit either way
  return build_result(s, f, c);
}

// Lateness while the client idled is not the client's limit (a multiprocess run that kept 23%
// of its schedule read "CLIENT-BOUND: requests started 7.2 ms late" at 13% CPU); lateness while
// it was busy is.
TEST(ResultBuilder, ClientBoundNeedsTheClientsOwnEvidence) {
  const Result idle = run_with_late_starts(false);
  EXPECT_FALSE(idle.client.bound) << idle.client.reason;
  EXPECT_NEAR(*idle.client.lag_p99_ms, 20, 0.1) << "the lag is still reported";
  EXPECT_FALSE(idle.client.busy_lag_p99_ms.has_value());
  const Result busy = run_with_late_starts(true);
  EXPECT_TRUE(busy.client.bound);
  // Its own evidence: the lateness counted in its busy second. The reason names that lateness, or,
  // when a loaded machine kept the thread waiting for a CPU most of the second, the busy share
  // itself (both are the client's own limit; which one the verdict names depends on the machine).
  ASSERT_TRUE(busy.client.busy_lag_p99_ms.has_value());
  EXPECT_NEAR(*busy.client.busy_lag_p99_ms, 20, 0.1);
  EXPECT_TRUE(busy.client.reason.find("ms late (p99 over the 1 s its load threads were at least 50% busy") !=
                  std::string::npos ||
              busy.client.reason.find("the load threads were busy") != std::string::npos)
      << busy.client.reason;
  ASSERT_EQ(busy.series.size(), 1u);
  ASSERT_TRUE(busy.series[0].cpu_pct && busy.series[0].busy_pct);
  EXPECT_GE(*busy.series[0].cpu_pct, 69.0);
  EXPECT_GE(*busy.series[0].busy_pct, *busy.series[0].cpu_pct) << "busy counts waiting for a CPU too";
}

// Responses that sat in the kernel while an idle client slept (the ring's lost wake-up of round 4:
// 1% CPU, the result blamed the server) make the client the limit on that evidence alone;
// responses reaped promptly (a batch's 50 us) do not. The per-second series shows the worst.
TEST(ResultBuilder, ResponsesLeftInTheKernelAreTheClientsDelay) {
  for (const std::uint64_t gap_ns : {16'000'000ULL, 50'000ULL}) {
    WorkerStats stats;
    Collector c({&stats});
    for (int i = 0; i < 200; ++i) {
      stats.record_success(200, 17'000'000, 0, 10, 0);
      stats.record_reap(gap_ns);
    }
    c.tick(1, 1.0, 1);
    RunSettings s;
    s.workload.mode = LoadMode::kMax;
    RunFacts f;
    f.duration_s = 1;
    f.cpu_s = 0.01;  // idle: no busy evidence
    const Result r = build_result(s, f, c);
    ASSERT_TRUE(r.client.reap_p99_ms.has_value());
    EXPECT_NEAR(*r.client.reap_p99_ms, static_cast<double>(gap_ns) / 1e6, static_cast<double>(gap_ns) / 1e8);
    ASSERT_EQ(r.series.size(), 1u);
    ASSERT_TRUE(r.series[0].reap_max_ms.has_value());
    EXPECT_NEAR(*r.series[0].reap_max_ms, static_cast<double>(gap_ns) / 1e6, static_cast<double>(gap_ns) / 1e8);
    if (gap_ns > 5'000'000) {
      EXPECT_TRUE(r.client.bound);
      EXPECT_NE(r.client.reason.find("in the kernel before the client read them"), std::string::npos)
          << r.client.reason;
    } else {
      EXPECT_FALSE(r.client.bound) << r.client.reason;
    }
  }
}

// A client late in one second of sixty (a burst of the machine's other work) is not client-bound:
// the run is judged, and a note says which share was the client's; late in a tenth of its seconds
// or more, it is client-bound. (A fresh machine's bench-all labelled runs that kept 99.9% of their
// schedule CLIENT-BOUND for one such second.)
TEST(ResultBuilder, AClientLateInFewSecondsIsANoteNotABoundRun) {
  for (const int late : {1, 6}) {
    WorkerStats stats;
    // Every second the thread is busy 60% of it on a CPU: enough that its lag is the client's
    // own, never 90% over the run. Fed, not spun: a spinning thread's share read the machine's
    // other load (busy 95% beside a compiler), not the verdict's arithmetic.
    ThreadTime clock;
    stats.use_thread_times([&clock] { return clock; });
    Collector c({&stats});
    for (int second = 1; second <= 60; ++second) {
      const bool is_late = second <= late;
      for (int i = 0; i < 100; ++i) stats.record_success(200, 1'000'000, 0, 10, is_late ? 161'000'000 : 10'000);
      clock.cpu_ns += 600'000'000;
      clock.busy_ns += 600'000'000;
      c.tick(second, 1.0, 1);
    }
    RunSettings s;
    s.workload.mode = LoadMode::kUsers;
    RunFacts f;
    f.duration_s = 60;
    f.cpu_s = 0.4;
    const Result r = build_result(s, f, c);
    EXPECT_EQ(r.client.late_s, late);
    if (late == 1) {
      EXPECT_FALSE(r.client.bound) << r.client.reason;
      EXPECT_EQ(r.client.note, "client late in 1 s of 60 (161 ms); those seconds' latencies are the client's");
    } else {
      EXPECT_TRUE(r.client.bound);
      EXPECT_EQ(r.client.note, "");
    }
  }
}

// A few late reaps in a run of a few requests are one response's luck, not the client's limit.
TEST(ResultBuilder, AFewLateReapsDoNotMakeTheClientTheLimit) {
  WorkerStats stats;
  Collector c({&stats});
  for (int i = 0; i < 10; ++i) {
    stats.record_success(200, 17'000'000, 0, 10, 0);
    stats.record_reap(16'000'000);
  }
  c.tick(1, 1.0, 1);
  RunSettings s;
  RunFacts f;
  f.duration_s = 1;
  f.cpu_s = 0.01;
  const Result r = build_result(s, f, c);
  EXPECT_FALSE(r.client.bound) << r.client.reason;
  ASSERT_TRUE(r.client.reap_p99_ms.has_value()) << "still reported";
}

// A path without the ring reports no reap times (null, not 0).
TEST(ResultBuilder, NoReapTimesWithoutTheRing) {
  WorkerStats stats;
  Collector c({&stats});
  stats.record_success(200, 1'000'000, 0, 10, 0);
  c.tick(1, 1.0, 1);
  RunSettings s;
  RunFacts f;
  f.duration_s = 1;
  const Result r = build_result(s, f, c);
  EXPECT_FALSE(r.client.reap_p99_ms.has_value());
  EXPECT_FALSE(r.series.at(0).reap_max_ms.has_value());
}

// Interrupted while waiting for --start-at: nothing was sent, and nothing is said of the server
// (the result had a negative duration, a negative ideal count and "the server never answered").
TEST(ResultBuilder, ARunInterruptedBeforeItsStartSaysSo) {
  WorkerStats stats;
  Collector c({&stats});
  RunSettings s;
  s.workload.mode = LoadMode::kUsers;
  RunFacts f;
  f.interrupted = f.not_started = true;
  f.early_stop = "interrupted 12.0 s before the start (--start-at 2026-11-30T20:00:00Z): nothing was sent";
  const Result r = build_result(s, f, c);
  EXPECT_EQ(r.status, "not_started");
  EXPECT_EQ(r.error, f.early_stop);
  EXPECT_GE(r.summary->duration_s, 0);
  EXPECT_FALSE(r.summary->ideal_requests.has_value());
  EXPECT_EQ(r.error.find("server"), std::string::npos);
}

// A run where most requests failed completed, but its status must say what it measured; a run
// that fell behind its schedule while its client kept up is the server's limit, and says so
// (the audit's multiprocess run read "ok; CLIENT-BOUND").
TEST(ResultBuilder, AMostlyFailedOrLaggingRunSaysWhoSetThePace) {
  Result r = labtest::make_run("multiprocess", 735, 6900, 27895, 44124);
  r.summary->schedule_fidelity = 0.233;
  r.client.cpu_pct = 13;
  EXPECT_EQ(status_text(r),
            "MOSTLY FAILED: 63.2% of 44,124 requests failed (most http_500: 27,895); SERVER-BOUND: kept 23.3% of its "
            "schedule while the client was healthy (CPU 13%)");
  EXPECT_NE(summary_markdown({r}).find("SERVER-BOUND"), std::string::npos);
  Result behind = labtest::make_run("multiprocess", 3000, 200);
  behind.summary->schedule_fidelity = 0.9;
  EXPECT_EQ(status_text(behind), "ok; SERVER-BOUND: kept 90.0% of its schedule while the client was healthy (CPU 10%)");
  behind.client.bound = true;
  behind.client.reason = "the load threads were busy 95% of the run: the client may be the limit";
  EXPECT_EQ(status_text(behind).find("SERVER-BOUND"), std::string::npos) << "never both";
  EXPECT_EQ(status_text(labtest::make_run("epoll", 735, 1, 10, 44124)), "ok");
}

// SIGINT/SIGTERM stay set for the process: a run started after one returns at once,
// interrupted (each run reset the flag, so a Ctrl-C between two capacity steps was lost).
TEST(ResultBuilderDeathTest, AnInterruptIsNotForgottenByTheNextRun) {
  EXPECT_EXIT(
      {
        RunSettings s;
        s.workload.url = "http://127.0.0.1:9/";
        s.workload.target.scheme = "http";
        s.workload.target.host = "127.0.0.1";
        s.workload.target.port = 9;
        s.workload.target.target = "/";
        s.workload.scenario.requests.push_back({});
        s.workload.run_time = std::chrono::milliseconds(100);
        s.quiet = true;
        (void)run_load(s);  // installs the handlers
        std::raise(SIGINT);
        s.workload.run_time = std::chrono::seconds(30);
        const auto t0 = std::chrono::steady_clock::now();
        const RunResult r = run_load(s);
        const bool quick = std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10);
        std::_Exit(r.interrupted && quick ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace lab
