// The workload knobs on every model: CPU work per request (--work-us), a simulated backend call
// (--io-wait-ms) that blocking models wait for blocked and event-driven models on a timer of
// their own loop (or blocked, with --io-wait-blocking: the classic mistake), and the reply
// size (--body-bytes). The waits are lower bounds; where waits must overlap, the bound is
// several waits wide, so only serialisation can break it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

#include "tests/integration/models.h"
#include "tests/support/client.h"
#include "tests/support/process.h"

using namespace labtest;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

class Knobs : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() { become_subreaper(); }
};

// How many backend waits a model can have in flight at once when each blocks its server
// thread or process (threadpool and prefork get --workers 4; reuseport and asio have one loop
// per worker, given --workers 2). 0: one per connection (unbounded here).
int blocking_slots(const std::string& m, bool blocking) {
  if (m == "single") return 1;
  if (m == "threadpool" || m == "prefork") return 4;
  if (!blocking || !event_driven(m)) return 0;
  if (m == "reuseport" || m == "asio") return 2;
  return 1;
}

std::vector<std::string> with_workers(const std::string& m, std::vector<std::string> a) {
  if (m == "threadpool" || m == "prefork") a.insert(a.end(), {"--workers", "4"});
  if (m == "reuseport" || m == "asio") a.insert(a.end(), {"--workers", "2"});
  return a;
}

// `n` clients at once, each one request; returns how long until the last reply.
Clock::duration concurrent_fetches(std::uint16_t port, int n, int* ok) {
  std::vector<std::thread> ts;
  std::atomic<int> good{0};
  const auto t0 = Clock::now();
  for (int i = 0; i < n; ++i)
    ts.emplace_back([&] {
      if (fetch(port, kSimpleGet, 30s) == seed_reply_for(kSimpleGet)) ++good;
    });
  for (auto& t : ts) t.join();
  *ok = good;
  return Clock::now() - t0;
}

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

}  // namespace

TEST_P(Knobs, TheReadyLineStatesTheKnobs) {
  ServerProcess s(GetParam(), {"--work-us", "10", "--io-wait-ms", "2", "--body-bytes", "100"});
  EXPECT_EQ(s.ready_field("model"), GetParam());
  EXPECT_EQ(s.ready_field("work_us"), "10");
  EXPECT_EQ(s.ready_field("io_wait_ms"), "2");
  EXPECT_EQ(s.ready_field("io_wait"), event_driven(GetParam()) ? "timer" : "blocking") << s.ready_line();
  EXPECT_EQ(s.ready_field("body_bytes"), "100");
  EXPECT_EQ(s.ready_field("keepalive"), keeps_alive(GetParam()) ? "yes" : "no");
  EXPECT_EQ(s.stop().code, 0);
}

TEST_P(Knobs, ABackendWaitDelaysTheReplyByAtLeastItsLength) {
  ServerProcess s(GetParam(), {"--io-wait-ms", "150"});
  const auto t0 = Clock::now();
  EXPECT_EQ(fetch(s.port(), kSimpleGet), seed_reply_for(kSimpleGet));
  EXPECT_GE(ms(Clock::now() - t0), 149.0);
  EXPECT_EQ(s.stop().code, 0);
}

TEST_P(Knobs, ConcurrentBackendWaitsOverlapWhereTheModelCan) {
  const std::string m = GetParam();
  ServerProcess s(m, with_workers(m, {"--io-wait-ms", "300"}));
  const int n = 8, slots = blocking_slots(m, false);
  const int rounds = slots ? (n + slots - 1) / slots : 1;
  int ok = 0;
  const double took = ms(concurrent_fetches(s.port(), n, &ok));
  EXPECT_EQ(ok, n);
  EXPECT_GE(took, rounds * 300 * 0.95) << "no sooner than " << rounds << " rounds of waits";
  EXPECT_LT(took, (rounds + 2) * 300.0) << "waits that can overlap must overlap (" << rounds << " rounds)";
  EXPECT_EQ(s.stop().code, 0);
}

// --io-wait-blocking: an event loop that blocks for its backend call serves one request per
// loop at a time, however many connections wait.
TEST_P(Knobs, ABlockingWaitInAnEventLoopSerialisesIt) {
  const std::string m = GetParam();
  if (!event_driven(m)) {
    // The flag changes nothing where waits already block; it is accepted all the same.
    ServerProcess s(m, with_workers(m, {"--io-wait-ms", "10", "--io-wait-blocking"}));
    EXPECT_EQ(s.ready_field("io_wait"), "blocking");
    EXPECT_EQ(s.stop().code, 0);
    return;
  }
  ServerProcess s(m, with_workers(m, {"--io-wait-ms", "200", "--io-wait-blocking"}));
  const int n = 6, slots = blocking_slots(m, true);
  int ok = 0;
  const double took = ms(concurrent_fetches(s.port(), n, &ok));
  EXPECT_EQ(ok, n);
  EXPECT_GE(took, ((n + slots - 1) / slots) * 200 * 0.95) << "one wait at a time per loop";
  EXPECT_EQ(s.stop().code, 0);
}

TEST_P(Knobs, ARequestCostsItsCpuWork) {
  ServerProcess s(GetParam(), {"--work-us", "50000"});
  EXPECT_GT(std::stod(s.ready_field("loop_iterations_per_us")), 0.0) << s.ready_line();
  const auto t0 = Clock::now();
  EXPECT_EQ(fetch(s.port(), kSimpleGet), seed_reply_for(kSimpleGet));
  EXPECT_GE(ms(Clock::now() - t0), 40.0) << "50 ms of calibrated work";
  EXPECT_EQ(s.stop().code, 0);
}

// The reply body is N bytes instead of the echo: in http11 with its length, in the seed
// protocol after the original status line and headers, close-delimited.
TEST_P(Knobs, BodyBytesSetsTheReplySize) {
  ServerProcess h(GetParam(), {"--protocol", "http11", "--body-bytes", "100000"});
  const std::string get_close = "GET / HTTP/1.1\r\nConnection: close\r\n\r\n";
  const std::string r = fetch(h.port(), get_close);
  ASSERT_NE(r.find("Content-Length: 100000\r\n"), std::string::npos) << r.substr(0, 200);
  EXPECT_EQ(r.size() - (r.find("\r\n\r\n") + 4), 100000u);
  EXPECT_EQ(h.stop().code, 0);
  ServerProcess seed(GetParam(), {"--body-bytes", "5"});
  EXPECT_EQ(fetch(seed.port(), kSimpleGet), "HTTP/1.1 200 OK\nContent-Type: text/html\n\nxxxxx");
  EXPECT_EQ(seed.stop().code, 0);
}

// Bytes that arrive while a request waits on its backend call are kept for after it, and the
// request waited on is answered as it was sent: a HEAD reply has no body. (uring read on during
// the wait into the buffer the parsed request points into: under ASan a heap-use-after-free in
// the method compare and the server aborted; without ASan the HEAD reply carried a body.)
TEST_P(Knobs, BytesArrivingDuringABackendWaitAreKept) {
  const std::string m = GetParam();
  ServerProcess s(m, {"--protocol", "http11", "--io-wait-ms", "100"});
  int fd = connect_to(s.port());
  ASSERT_GE(fd, 0);
  // One request first, so that a keep-alive connection is past its first reply (uring then
  // receives in multishot mode, reading on during waits).
  ASSERT_TRUE(send_all(fd, kSimpleGet));
  if (keeps_alive(m)) {
    EXPECT_EQ(read_http11_response(fd, 5s).rfind("HTTP/1.1 200 OK", 0), 0u);
  } else {
    (void)read_until_eof(fd, 5s);
    close(fd);
    fd = connect_to(s.port());
    ASSERT_GE(fd, 0);
  }
  const std::string head = "HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n";
  // A second request large enough that keeping it would move the first's bytes in memory.
  const std::string get =
      "GET /g HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(6000, 'p') + "\r\nConnection: close\r\n\r\n";
  ASSERT_TRUE(send_all(fd, head));
  std::this_thread::sleep_for(30ms);  // inside the first request's 100 ms wait
  ASSERT_TRUE(send_all(fd, get.substr(0, 3000)));
  std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(send_all(fd, get.substr(3000)));
  const std::string r = read_until_eof(fd, 10s);
  close(fd);
  const std::string first_head =
      "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: " + std::to_string(head.size());
  ASSERT_EQ(r.rfind(first_head, 0), 0u) << r.substr(0, 200);
  const std::size_t end1 = r.find("\r\n\r\n") + 4;
  if (keeps_alive(m)) {
    // no body: the next bytes are the second reply, the echo of the whole GET
    EXPECT_EQ(r.compare(end1, 15, "HTTP/1.1 200 OK"), 0) << "a body after the HEAD reply: " << r.substr(end1, 80);
    EXPECT_EQ(r.size() >= get.size() && r.compare(r.size() - get.size(), get.size(), get), 0)
        << "the second request, received during the wait, is answered with its own bytes";
  } else {
    EXPECT_EQ(r.size(), end1) << "a body after the HEAD reply: " << r.substr(end1, 80);
  }
  EXPECT_EQ(s.stop().code, 0) << s.proc().err();
}

// A backend wait longer than --read-timeout: the wait is the server's, not the client's
// silence, and the next request on the kept-alive connection is answered. (asio's deadline fired
// during the wait and its flag stayed set, so the next request was dropped without a count.)
TEST_P(Knobs, AWaitLongerThanTheReadTimeoutDoesNotDropTheNextRequest) {
  const std::string m = GetParam();
  ServerProcess s(m, {"--protocol", "http11", "--io-wait-ms", "300", "--read-timeout", "200ms"});
  const int fd = connect_to(s.port());
  ASSERT_GE(fd, 0);
  const std::string get = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  if (!keeps_alive(m)) {  // the reply says it closes, and it does, after the whole wait
    ASSERT_TRUE(send_all(fd, get));
    const std::string r = read_until_eof(fd, 5s);
    EXPECT_EQ(r.rfind("HTTP/1.1 200 OK", 0), 0u) << r;
    EXPECT_NE(r.find("Connection: close\r\n"), std::string::npos) << r;
    close(fd);
    EXPECT_EQ(s.stop().code, 0);
    return;
  }
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(send_all(fd, get)) << "request " << i + 1;
    const std::string r = read_http11_response(fd, 5s);
    EXPECT_EQ(r.rfind("HTTP/1.1 200 OK", 0), 0u) << "request " << i + 1 << " got: " << r;
  }
  close(fd);
  EXPECT_EQ(s.stop().code, 0);
}

INSTANTIATE_TEST_SUITE_P(Models, Knobs, ::testing::ValuesIn(server_models()), [](const auto& info) {
  std::string n = info.param;
  for (char& c : n)
    if (c == '-') c = '_';
  return n;
});

TEST(KnobsCli, MistakesNameTheFlag) {
  struct Case {
    std::vector<std::string> args;
    std::string expect;
  };
  for (const auto& c : std::vector<Case>{{{"--work-us", "-1"}, "--work-us"},
                                         {{"--io-wait-ms", "-5"}, "--io-wait-ms"},
                                         {{"--io-wait-blocking"}, "--io-wait-blocking: only with --io-wait-ms"},
                                         {{"--body-bytes", "-7"}, "--body-bytes"}}) {
    std::vector<std::string> argv = {SERVER_BIN, "--model", "epoll"};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    Process p(argv);
    EXPECT_EQ(p.wait(10s).code, 2) << c.expect;
    EXPECT_NE(p.err().find(c.expect), std::string::npos) << p.err();
  }
}
