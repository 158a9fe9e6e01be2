// loadgen against servers that fail: nothing listening, a full accept queue, resets, garbage,
// stalls, 5xx, a server killed and restarted mid-run, a server frozen for 5 s. Each failure is
// counted under its kind, the per-second series shows when it happened, the totals add up, the
// exit code is the documented one and the result document is still written.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/net.h"
#include "common/output_file.h"
#include "common/result.h"
#include "tests/support/bad_server.h"
#include "tests/support/client.h"
#include "tests/support/loadgen_run.h"
#include "tests/support/process.h"

using namespace labtest;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// The series point for second `t` (1-based: t = 3 covers 2-3 s into the run).
const nlohmann::json& second(const nlohmann::json& j, int t) {
  for (const auto& p : j["series"])
    if (p["t"].get<int>() == t) return p;
  throw std::runtime_error("no series point for t=" + std::to_string(t) + ": " + j["series"].dump());
}
std::uint64_t successes(const nlohmann::json& point) {
  return point["requests"].get<std::uint64_t>() - point["failures"].get<std::uint64_t>();
}

}  // namespace

TEST(LoadgenFaults, NothingListeningIsConnectionRefused) {
  int probe = socket(AF_INET, SOCK_STREAM, 0);
  lab::ListenOptions o;
  std::string err;
  int l = lab::make_listener(o, err);
  std::uint16_t port = lab::local_port(l);
  close(l);  // the port is now closed
  close(probe);
  int code = -1;
  auto j = run_loadgen(
      {"-H", url(port), "-u", "5", "-t", "1s", "--wait-min", "0.05", "--wait-max", "0.1", "--fail-on-errors"},
      tmp_json("refused"), &code);
  expect_consistent(j);
  EXPECT_EQ(code, 5) << "nothing succeeded";
  EXPECT_GT(errors_of(j, "connection_refused"), 0u);
  EXPECT_EQ(errors_of(j, "connection_refused"), j["summary"]["failures"].get<std::uint64_t>());
}

// A listener that never accepts, with a backlog of 0: its queue takes one connection, then the
// kernel drops further SYNs, so those connects stay pending until loadgen's timeout. The write
// loadgen issues right after connect (before knowing the connection is up) must not turn them
// into anything but connect timeouts.
TEST(LoadgenFaults, AFullAcceptQueueIsConnectTimeout) {
  lab::ListenOptions o;
  o.backlog = 0;
  std::string err;
  int l = lab::make_listener(o, err);
  ASSERT_GE(l, 0) << err;
  int code = -1;
  auto j = run_loadgen({"-H", url(lab::local_port(l)), "-u", "4", "-t", "2s", "--wait-min", "0.05", "--wait-max", "0.1",
                        "--timeout", "300ms"},
                       tmp_json("connect_timeout"), &code);
  close(l);
  expect_consistent(j);
  EXPECT_EQ(code, 5) << "nothing succeeded";
  EXPECT_GT(errors_of(j, "connect_timeout"), 0u) << j["errors"].dump();
  EXPECT_EQ(j["summary"]["successes"].get<int>(), 0);
  // the only other kind: a connection the queue took, whose request is never read
  EXPECT_EQ(errors_of(j, "connect_timeout") + errors_of(j, "read_timeout"),
            j["summary"]["failures"].get<std::uint64_t>())
      << j["errors"].dump();
}

TEST(LoadgenFaults, ResetsGarbageStallsAnd5xxAreClassified) {
  struct Case {
    BadServer::Mode mode;
    const char* kind;
  };
  for (Case c : {Case{BadServer::kReset, "connection_reset"}, Case{BadServer::kGarbage, "bad_response"},
                 Case{BadServer::kStall, "read_timeout"}, Case{BadServer::kError500, "http_500"}}) {
    BadServer bad(c.mode);
    int code = -1;
    auto j = run_loadgen(
        {"-H", url(bad.port()), "-u", "3", "-t", "2s", "--wait-min", "0.05", "--wait-max", "0.1", "--timeout", "300ms"},
        tmp_json(c.kind), &code);
    expect_consistent(j);
    EXPECT_EQ(code, 5) << "nothing succeeded: the run failed";
    EXPECT_EQ(j["status"], "failed");
    EXPECT_NE(j["error"].get<std::string>().find(c.kind), std::string::npos) << j["error"];
    EXPECT_GT(errors_of(j, c.kind), 0u) << c.kind << ": " << j["errors"].dump();
    EXPECT_EQ(j["summary"]["successes"].get<int>(), 0) << c.kind;
  }
}

TEST(LoadgenFaults, ServerKilledThenRestartedMidRun) {
  auto first = std::make_unique<ServerProcess>("epoll");
  const std::uint16_t port = first->port();
  const std::string json = tmp_json("killed");
  Process lg({LOADGEN_BIN, "-H", url(port), "-u", "10", "-r", "100", "-t", "6s", "--wait-min", "0.05", "--wait-max",
              "0.1", "--timeout", "1s", "--fail-on-errors", "--json", json, "-q"});
  std::this_thread::sleep_for(1200ms);
  first->proc().signal(SIGKILL);
  EXPECT_EQ(first->proc().wait(5s).signal, SIGKILL);
  std::this_thread::sleep_for(2800ms);  // down from about 1.2 s to 4 s into the run
  ServerProcess second_server("epoll", {"--port", std::to_string(port)});
  ExitStatus st = lg.wait(30s);
  EXPECT_EQ(st.code, 1) << "--fail-on-errors with failures: " << lg.err();
  ASSERT_TRUE(fs::exists(json)) << lg.err();
  auto j = lab::read_json_file(json);
  fs::remove(json);
  expect_consistent(j);
  EXPECT_FALSE(j["interrupted"].get<bool>());
  EXPECT_GT(errors_of(j, "connection_refused"), 0u) << j["errors"].dump();
  EXPECT_GT(successes(second(j, 1)), 0u) << "served before the kill";
  EXPECT_EQ(successes(second(j, 3)), 0u) << "nothing served while the server is down";
  EXPECT_GT(second(j, 3)["failures"].get<std::uint64_t>(), 0u) << "the attempts are counted as failures";
  EXPECT_GT(successes(second(j, 6)), 0u) << "served again after the restart";
  EXPECT_EQ(second_server.stop().code, 0);
}

TEST(LoadgenFaults, ServerFrozenForFiveSecondsShowsAsAGapAndInTheLatency) {
  ServerProcess s("epoll");
  const std::string json = tmp_json("frozen");
  Process lg({LOADGEN_BIN, "-H", url(s.port()), "-u", "10", "-r", "100", "-t", "9s", "--wait-min", "0.05", "--wait-max",
              "0.1", "--json", json, "-q"});  // default --timeout 10s outlasts the stall
  std::this_thread::sleep_for(1200ms);
  s.proc().signal(SIGSTOP);
  std::this_thread::sleep_for(5000ms);
  s.proc().signal(SIGCONT);
  ExitStatus st = lg.wait(30s);
  EXPECT_EQ(st.code, 0) << lg.err();
  ASSERT_TRUE(fs::exists(json)) << lg.err();
  auto j = lab::read_json_file(json);
  fs::remove(json);
  expect_consistent(j);
  EXPECT_EQ(j["summary"]["failures"].get<int>(), 0) << j["errors"].dump();
  EXPECT_GT(successes(second(j, 1)), 0u);
  for (int t = 3; t <= 5; ++t) EXPECT_EQ(second(j, t)["requests"].get<int>(), 0) << "t=" << t << ": the gap";
  EXPECT_GT(successes(second(j, 9)), 0u) << "served again after the stall";
  EXPECT_GE(j["summary"]["max_ms"].get<double>(), 4500.0) << "requests caught in the stall report its length";
  EXPECT_EQ(s.stop().code, 0);
}
