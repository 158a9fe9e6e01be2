// Where particular models meet their limits: FD_SETSIZE, fork, thread bounds, queues, workers.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <thread>
#include <vector>

#include "tests/support/client.h"
#include "tests/support/process.h"

using namespace labtest;
using namespace std::chrono_literals;

namespace {
// Opens n connections, sends a request on each, reads every reply; returns {200s, 503s}.
// With `pid`, the requests go out only once that server holds at least `held` open fds (it
// has accepted that many of the silent connections), so a slow server cannot finish early
// connections before it has accepted the late ones and keep its fd numbers low.
std::pair<int, int> many_at_once(std::uint16_t port, int n, pid_t pid = 0, int held = 0) {
  std::vector<int> fds;
  for (int i = 0; i < n; ++i) {
    int fd = connect_to(port);
    if (fd >= 0) fds.push_back(fd);
  }
  for (int i = 0; pid > 0 && i < 400 && fd_count(pid) < held; ++i) std::this_thread::sleep_for(50ms);
  for (int fd : fds) send_all(fd, kSimpleGet);
  int ok = 0, shed = 0;
  for (int fd : fds) {
    std::string r = read_until_eof(fd, 30s);
    if (r == seed_reply_for(kSimpleGet))
      ++ok;
    else if (r.rfind("HTTP/1.1 503 ", 0) == 0)
      ++shed;
    close(fd);
  }
  return {ok, shed};
}
}  // namespace

TEST(SelectModel, MoreThanFdSetsizeConnectionsAreShedNotFatal) {
  ServerProcess s("select");
  // FD_SETSIZE is 1024: once the server holds 1,020 fds, the connections still to be accepted
  // get fd numbers at or above it
  auto [ok, shed] = many_at_once(s.port(), 1100, s.proc().pid(), 1020);
  EXPECT_EQ(ok + shed, 1100) << "every client got either the reply or a 503";
  EXPECT_GT(shed, 0) << "fds >= FD_SETSIZE must be refused with 503";
  EXPECT_GT(ok, 900);
  EXPECT_EQ(fetch(s.port(), kSimpleGet), seed_reply_for(kSimpleGet));  // fds freed: served again
  EXPECT_EQ(s.stop().code, 0);
  EXPECT_NE(s.proc().err().find("shed_503=" + std::to_string(shed)), std::string::npos) << s.proc().err();
}

TEST(SelectSeedModel, MoreThanFdSetsizeConnectionsAreShedNotFatal) {
  ServerProcess s("select-seed");
  auto [ok, shed] = many_at_once(s.port(), 1100);
  EXPECT_EQ(ok + shed, 1100);
  EXPECT_EQ(fetch(s.port(), kSimpleGet), seed_reply_for(kSimpleGet));
  EXPECT_EQ(s.stop().code, 0);
}

TEST(MultiprocessModel, NoZombiesAfterThousandsOfConnections) {
  become_subreaper();
  ServerProcess s("multiprocess");
  for (int round = 0; round < 30; ++round) {
    auto [ok, shed] = many_at_once(s.port(), 100);
    ASSERT_EQ(ok, 100) << "round " << round;
  }
  std::this_thread::sleep_for(300ms);  // the parent reaps at least every 100 ms
  EXPECT_EQ(zombie_children(s.proc().pid()), 0);
  EXPECT_EQ(s.stop().code, 0);
}

TEST(MultithreadModel, MaxThreadsBoundsLiveThreadsAndLosesNoOne) {
  ServerProcess s("multithread", {"--max-threads", "4", "--read-timeout", "2s"});
  ASSERT_EQ(fetch(s.port(), kSimpleGet), seed_reply_for(kSimpleGet));  // warm up (sanitizers start threads lazily)
  std::this_thread::sleep_for(300ms);                                  // its serving thread has exited
  const int idle_threads = thread_count(s.proc().pid());               // main (+ a sanitizer's own, if any)
  // Four silent clients occupy every thread; a fifth client waits for a free one, not an error.
  std::vector<int> silent;
  for (int i = 0; i < 4; ++i) silent.push_back(connect_to(s.port()));
  std::this_thread::sleep_for(200ms);
  EXPECT_LE(thread_count(s.proc().pid()), idle_threads + 4);
  EXPECT_EQ(fetch(s.port(), kSimpleGet, 10s), seed_reply_for(kSimpleGet));
  for (int fd : silent) close(fd);
  EXPECT_EQ(s.stop().code, 0);
}

TEST(ThreadpoolModel, AFullQueueAppliesBackpressureWithoutLosingConnections) {
  ServerProcess s("threadpool", {"--workers", "2", "--queue", "2"});
  std::this_thread::sleep_for(100ms);
  const int pool_threads = thread_count(s.proc().pid());  // acceptor + 2 workers (+ sanitizer's)
  auto [ok, shed] = many_at_once(s.port(), 200);
  EXPECT_EQ(ok, 200);
  EXPECT_EQ(shed, 0);
  EXPECT_LE(thread_count(s.proc().pid()), pool_threads);
  EXPECT_EQ(s.stop().code, 0);
}

TEST(PreforkModel, AKilledWorkerIsReplacedAndServiceContinues) {
  become_subreaper();
  ServerProcess s("prefork", {"--workers", "3"});
  std::this_thread::sleep_for(200ms);
  auto workers = descendants(s.proc().pid());
  ASSERT_EQ(workers.size(), 3u);
  ASSERT_EQ(kill(workers[0], SIGKILL), 0);
  std::vector<pid_t> now;
  for (int i = 0; i < 100; ++i) {
    std::this_thread::sleep_for(20ms);
    now = descendants(s.proc().pid());
    if (now.size() == 3 && std::find(now.begin(), now.end(), workers[0]) == now.end()) break;
  }
  EXPECT_EQ(now.size(), 3u);
  EXPECT_EQ(std::find(now.begin(), now.end(), workers[0]), now.end());
  for (int i = 0; i < 50; ++i) ASSERT_EQ(fetch(s.port(), kSimpleGet), seed_reply_for(kSimpleGet));
  EXPECT_EQ(s.stop().code, 0);
  EXPECT_NE(s.proc().err().find("worker_restarts=1"), std::string::npos) << s.proc().err();
  EXPECT_TRUE(descendants(s.proc().pid()).empty());
}

// A worker stopped by SIGTERM (as an operator or an OOM policy might) is replaced once, and
// the server keeps serving. (The stop eventfd was shared across fork: one worker's signal
// stopped every process, and the parent respawned workers that exited at once, thousands a
// second, serving nothing.)
TEST(PreforkModel, AWorkerStoppedBySigtermIsReplacedOnce) {
  become_subreaper();
  ServerProcess s("prefork", {"--workers", "3"});
  std::vector<pid_t> workers;
  for (int i = 0; i < 100 && workers.size() != 3; ++i) {
    std::this_thread::sleep_for(20ms);
    workers = descendants(s.proc().pid());
  }
  ASSERT_EQ(workers.size(), 3u);
  ASSERT_EQ(kill(workers[0], SIGTERM), 0);
  std::this_thread::sleep_for(1s);
  for (int i = 0; i < 50; ++i) ASSERT_EQ(fetch(s.port(), kSimpleGet, 5s), seed_reply_for(kSimpleGet)) << i;
  EXPECT_TRUE(s.proc().running());
  const auto now = descendants(s.proc().pid());
  EXPECT_EQ(now.size(), 3u);
  EXPECT_EQ(std::find(now.begin(), now.end(), workers[0]), now.end()) << "the stopped worker is gone";
  EXPECT_EQ(s.stop().code, 0);
  EXPECT_NE(s.proc().err().find("worker_restarts=1 "), std::string::npos) << s.proc().err();
}

// A child stopped by SIGTERM ends its own connection; the parent goes on accepting.
TEST(MultiprocessModel, AChildStoppedBySigtermStopsOnlyItself) {
  become_subreaper();
  ServerProcess s("multiprocess");
  int held = connect_to(s.port());  // a child waits for this request
  ASSERT_GE(held, 0);
  std::vector<pid_t> children;
  for (int i = 0; i < 100 && children.empty(); ++i) {
    std::this_thread::sleep_for(20ms);
    children = descendants(s.proc().pid());
  }
  ASSERT_EQ(children.size(), 1u);
  ASSERT_EQ(kill(children[0], SIGTERM), 0);
  bool eof = false;
  read_until_eof(held, 5s, &eof);
  EXPECT_TRUE(eof) << "the signalled child closes its idle connection";
  close(held);
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(s.proc().running()) << s.proc().err();
  for (int i = 0; i < 20; ++i) ASSERT_EQ(fetch(s.port(), kSimpleGet, 5s), seed_reply_for(kSimpleGet)) << i;
  EXPECT_EQ(s.stop().code, 0);
}

// At shutdown, connections still queued for a worker whose requests have arrived are in
// progress, not idle: they are answered within --grace, not reset.
TEST(ThreadpoolModel, QueuedConnectionsAreAnsweredAtShutdown) {
  ServerProcess s("threadpool", {"--workers", "1", "--grace", "5s"});
  int busy = connect_to(s.port());  // occupies the only worker: its request is incomplete
  ASSERT_GE(busy, 0);
  ASSERT_TRUE(send_all(busy, "GET / HTTP/1.1\r\n"));
  std::this_thread::sleep_for(200ms);
  std::vector<int> queued;
  for (int i = 0; i < 3; ++i) {
    int fd = connect_to(s.port());
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(send_all(fd, kSimpleGet));
    queued.push_back(fd);
  }
  std::this_thread::sleep_for(200ms);
  s.proc().signal(SIGTERM);
  std::this_thread::sleep_for(300ms);
  ASSERT_TRUE(send_all(busy, "Host: x\r\n\r\n"));  // the request in progress completes in the grace
  EXPECT_EQ(read_until_eof(busy, 5s), seed_reply_for("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  close(busy);
  for (int fd : queued) {
    EXPECT_EQ(read_until_eof(fd, 5s), seed_reply_for(kSimpleGet)) << "a queued request was dropped";
    close(fd);
  }
  ExitStatus st = s.proc().wait(10s);
  EXPECT_EQ(st.code, 0);
}

TEST(Cli, MistakesNameTheFlagAndExitNonZero) {
  struct Case {
    std::vector<std::string> args;
    std::string expect;
  };
  std::vector<Case> cases = {{{"--model", "nosuch"}, "--model: unknown model 'nosuch'"},
                             {{}, "--model is required"},
                             {{"--model", "single", "--port", "70000"}, "--port"},
                             {{"--model", "single", "--protocol", "http2"}, "--protocol"},
                             {{"--model", "single", "--read-timeout", "soon"}, "--read-timeout"},
                             {{"--model", "single", "--bogus"}, "bogus"}};
  for (const auto& c : cases) {
    std::vector<std::string> argv = {SERVER_BIN};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    Process p(argv);
    ExitStatus st = p.wait(10s);
    EXPECT_EQ(st.code, 2);
    EXPECT_NE(p.err().find(c.expect), std::string::npos) << p.err();
  }
}

TEST(Cli, PortInUseIsAClearError) {
  ServerProcess a("epoll");
  Process b({SERVER_BIN, "--model", "epoll", "--port", std::to_string(a.port())});
  ExitStatus st = b.wait(10s);
  EXPECT_EQ(st.code, 1);
  EXPECT_NE(b.err().find("Address already in use"), std::string::npos) << b.err();
}
