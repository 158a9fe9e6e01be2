// The behaviour every model shares, checked against every model on real sockets.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>
#include <vector>

#include "common/http/reply.h"
#include "tests/integration/models.h"
#include "tests/support/client.h"
#include "tests/support/process.h"

using namespace labtest;
using namespace std::chrono_literals;

class EveryModel : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() { become_subreaper(); }
};

TEST_P(EveryModel, AnswersTheSeedReplyByteForByte) {
  ServerProcess s(GetParam());
  EXPECT_EQ(fetch(s.port(), kSimpleGet), seed_reply_for(kSimpleGet));
  const std::string locust_like =
      "GET / HTTP/1.1\r\nHost: localhost:8892\r\nUser-Agent: python-requests/2.25.1\r\nAccept-Encoding: gzip, "
      "deflate\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n";
  EXPECT_EQ(fetch(s.port(), locust_like), seed_reply_for(locust_like));
  EXPECT_EQ(s.stop().code, 0);
}

// A reply to HEAD has no body in the seed protocol too: the original status line and headers,
// then the close. (The echo followed them, so every HEAD failed as "bytes after the response".)
TEST_P(EveryModel, TheSeedReplyToHeadHasNoBody) {
  ServerProcess s(GetParam());
  const std::string head = "HEAD / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  EXPECT_EQ(fetch(s.port(), head), "HTTP/1.1 200 OK\nContent-Type: text/html\n\n");
  EXPECT_EQ(fetch(s.port(), kSimpleGet), seed_reply_for(kSimpleGet)) << "GET still echoes";
  EXPECT_EQ(s.stop().code, 0);
}

TEST_P(EveryModel, Http11KeepsAliveWhereTheModelCan) {
  ServerProcess s(GetParam(), {"--protocol", "http11"});
  int fd = connect_to(s.port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(send_all(fd, kSimpleGet));
  std::string first = read_http11_response(fd, 5s);
  ASSERT_EQ(first.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << first;
  EXPECT_NE(first.find("Content-Length: " + std::to_string(kSimpleGet.size()) + "\r\n"), std::string::npos);
  if (keeps_alive(GetParam())) {
    EXPECT_EQ(first.find("Connection: close"), std::string::npos);
    ASSERT_TRUE(send_all(fd, kSimpleGet));
    std::string second = read_http11_response(fd, 5s);
    EXPECT_EQ(second, first);
  } else {
    EXPECT_NE(first.find("Connection: close\r\n"), std::string::npos);
    bool eof = false;
    read_until_eof(fd, 5s, &eof);
    EXPECT_TRUE(eof);
  }
  close(fd);
  EXPECT_EQ(s.stop().code, 0);
}

TEST_P(EveryModel, PipelinedRequestsAreAnsweredInOrder) {
  ServerProcess s(GetParam(), {"--protocol", "http11"});
  auto request = [](int i) { return "GET /" + std::to_string(i) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"; };
  int fd = connect_to(s.port());
  ASSERT_GE(fd, 0);
  // One request alone first, so the rest arrive on a connection already kept alive (the uring
  // model switches to a multishot receive there); then 2,000 pipelined in batches of 100 while
  // the replies are read.
  ASSERT_TRUE(send_all(fd, request(0)));
  std::string first = read_http11_response(fd, 5s);
  ASSERT_NE(first.find("\r\n\r\n" + request(0)), std::string::npos) << first;
  if (!keeps_alive(GetParam())) {
    bool eof = false;
    read_until_eof(fd, 5s, &eof);
    EXPECT_TRUE(eof) << "a model that closes after each reply";
    close(fd);
    EXPECT_EQ(s.stop().code, 0);
    return;
  }
  constexpr int kCount = 2000;
  std::thread sender([&] {
    std::string batch;
    for (int i = 1; i <= kCount; ++i) {
      batch += request(i);
      if (i % 100 == 0) {
        if (!send_all(fd, batch)) return;
        batch.clear();
      }
    }
  });
  int wrong = 0;
  std::string reply;
  for (int i = 1; i <= kCount && !wrong; ++i) {
    reply = read_http11_response(fd, 10s);
    const std::string body = request(i);
    if (reply.size() < body.size() || reply.compare(reply.size() - body.size(), body.size(), body) != 0) wrong = i;
  }
  shutdown(fd, SHUT_RDWR);  // unblocks the sender if the replies stopped
  sender.join();
  close(fd);
  EXPECT_EQ(wrong, 0) << "reply " << wrong << " is not the echo of request " << wrong << ": " << reply;
  EXPECT_EQ(s.stop().code, 0);
}

// ApacheBench's keep-alive (ab -k): HTTP/1.0 with "Connection: Keep-Alive". An HTTP/1.0
// client waits for the close unless the reply says it is kept alive (RFC 9112 9.3).
TEST_P(EveryModel, Http10KeepAliveIsHonouredOnlyWhenAskedAndThenAnnounced) {
  ServerProcess s(GetParam(), {"--protocol", "http11"});
  const std::string ka = "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\nHost: x\r\n\r\n";
  int fd = connect_to(s.port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(send_all(fd, ka));
  const std::string first = read_http11_response(fd, 5s);
  ASSERT_EQ(first.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << first;
  if (keeps_alive(GetParam())) {
    EXPECT_NE(first.find("\r\nConnection: keep-alive\r\n"), std::string::npos) << first;
    ASSERT_TRUE(send_all(fd, ka));
    EXPECT_EQ(read_http11_response(fd, 5s), first) << "the connection must carry the next request";
  } else {
    EXPECT_NE(first.find("\r\nConnection: close\r\n"), std::string::npos) << first;
  }
  close(fd);
  // HTTP/1.0 without keep-alive: the reply says close, and the connection closes.
  int plain = connect_to(s.port());
  ASSERT_TRUE(send_all(plain, "GET / HTTP/1.0\r\nHost: x\r\n\r\n"));
  bool eof = false;
  const std::string reply = read_until_eof(plain, 5s, &eof);
  EXPECT_TRUE(eof) << "an HTTP/1.0 request without keep-alive is answered and closed";
  EXPECT_NE(reply.find("\r\nConnection: close\r\n"), std::string::npos) << reply;
  close(plain);
  EXPECT_EQ(s.stop().code, 0);
}

namespace {
// Replies in `bytes` (http11, each ending with its echoed request, which ends "\r\n\r\n").
std::size_t count_replies(const std::string& bytes) {
  std::size_t n = 0;
  for (std::size_t at = bytes.find("HTTP/1.1 200 OK\r\n"); at != std::string::npos;
       at = bytes.find("HTTP/1.1 200 OK\r\n", at + 1))
    ++n;
  return n;
}
}  // namespace

// A client that sends a pipeline and then its FIN: every complete request it sent is answered
// before the close, including those held back while more than 256 KiB of replies waited, and
// those that arrived while a send was in flight (the uring model holds them aside).
TEST_P(EveryModel, AHalfClosedPipelineIsAnsweredInFull) {
  ServerProcess s(GetParam(), {"--protocol", "http11"});
  const std::string req = "GET / HTTP/1.1\r\nX-Pad: " + std::string(1000, 'p') + "\r\n\r\n";
  constexpr int kCount = 600;  // about 660 KiB of replies
  const int expected = keeps_alive(GetParam()) ? kCount : 1;
  int fd = connect_to(s.port());
  ASSERT_GE(fd, 0);
  std::string all;
  for (int i = 0; i < kCount; ++i) all += req;
  std::thread sender([&] {
    send_all(fd, all);
    shutdown(fd, SHUT_WR);
  });
  bool eof = false;
  const std::string got = read_until_eof(fd, 20s, &eof);
  sender.join();
  close(fd);
  EXPECT_TRUE(eof);
  EXPECT_EQ(count_replies(got), static_cast<std::size_t>(expected));
  EXPECT_EQ(s.stop().code, 0);
}

// 60,000 tiny pipelined requests sent at once. Each 14-byte request gets a 78-byte reply, so
// three 16 KiB reads make more than the 256 KiB of pending output at which a session stops
// taking input: the edge-triggered model then left the rest unread, and once its output was
// flushed nothing read it again (no new edge reports bytes already waiting): 3,510 replies.
TEST_P(EveryModel, AFastPipelinedBurstIsAnsweredInFull) {
  ServerProcess s(GetParam(), {"--protocol", "http11"});
  const std::string req = "A / HTTP/1.1\n\n";
  const bool keep = keeps_alive(GetParam());
  const int count = keep ? 60000 : 1;  // a model that closes after each reply answers one
  int fd = connect_to(s.port());
  ASSERT_GE(fd, 0);
  std::string all;
  for (int i = 0; i < (keep ? count : 100); ++i) all += req;
  std::thread sender([&] { send_all(fd, all); });
  std::string one;
  lab::append_http11_reply(one, req, keep);
  const std::string got = read_n(fd, one.size() * static_cast<std::size_t>(count), 30s);
  shutdown(fd, SHUT_RDWR);
  sender.join();
  close(fd);
  EXPECT_EQ(got.size() / one.size(), static_cast<std::size_t>(count)) << "the replies stopped";
  EXPECT_EQ(s.stop().code, 0);
}

TEST_P(EveryModel, FiveHundredConcurrentClientsAreAllAnswered) {
  ServerProcess s(GetParam());
  std::vector<int> fds;
  for (int i = 0; i < 500; ++i) {
    int fd = connect_to(s.port());
    ASSERT_GE(fd, 0) << i;
    fds.push_back(fd);
  }
  for (int fd : fds) ASSERT_TRUE(send_all(fd, kSimpleGet));
  int ok = 0;
  for (int fd : fds) {
    if (read_until_eof(fd, 30s) == seed_reply_for(kSimpleGet)) ++ok;
    close(fd);
  }
  EXPECT_EQ(ok, 500);
  EXPECT_EQ(s.stop().code, 0);
}

TEST_P(EveryModel, RequestSentOneByteAtATime) {
  ServerProcess s(GetParam());
  int fd = connect_to(s.port());
  ASSERT_GE(fd, 0);
  for (char c : kSimpleGet) {
    ASSERT_TRUE(send_all(fd, std::string(1, c)));
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(read_until_eof(fd, 5s), seed_reply_for(kSimpleGet));
  close(fd);
  EXPECT_EQ(s.stop().code, 0);
}

TEST_P(EveryModel, MalformedAndOversizeRequestsGet400And431) {
  ServerProcess s(GetParam());
  EXPECT_EQ(fetch(s.port(), "HELLO\r\n\r\n").rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u);
  EXPECT_EQ(fetch(s.port(), "GET /\r\n\r\n").rfind("HTTP/1.1 400 ", 0), 0u);  // HTTP/0.9
  static const char kGarbage[] = "\0\0\xff\xfe garbage\r\n\r\n";
  EXPECT_EQ(fetch(s.port(), std::string(kGarbage, sizeof kGarbage - 1)).rfind("HTTP/1.1 400 ", 0), 0u);
  const std::string big = "GET / HTTP/1.1\r\nX-Big: " + std::string(10000, 'a') + "\r\n\r\n";
  EXPECT_EQ(fetch(s.port(), big).rfind("HTTP/1.1 431 ", 0), 0u);
  EXPECT_EQ(fetch(s.port(), kSimpleGet), seed_reply_for(kSimpleGet));  // still serving
  EXPECT_EQ(s.stop().code, 0);
}

TEST_P(EveryModel, ClientsThatVanishMidRequestOrMidReplyDoNotHurtIt) {
  ServerProcess s(GetParam());
  for (int i = 0; i < 20; ++i) {
    int fd = connect_to(s.port());
    ASSERT_GE(fd, 0);
    send_all(fd, "GET / HT");  // mid-request
    if (i % 2) set_abortive_close(fd);
    close(fd);
  }
  for (int i = 0; i < 20; ++i) {  // a large echo, and the client resets before reading it
    int fd = connect_to(s.port());
    ASSERT_GE(fd, 0);
    send_all(fd, "GET / HTTP/1.1\r\nX: " + std::string(7000, 'b') + "\r\n\r\n");
    set_abortive_close(fd);
    close(fd);
  }
  EXPECT_EQ(fetch(s.port(), kSimpleGet), seed_reply_for(kSimpleGet));
  EXPECT_EQ(s.stop().code, 0);
}

TEST_P(EveryModel, HalfClosedClientStillGetsItsReply) {
  ServerProcess s(GetParam());
  int fd = connect_to(s.port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(send_all(fd, kSimpleGet));
  ASSERT_EQ(shutdown(fd, SHUT_WR), 0);
  EXPECT_EQ(read_until_eof(fd, 5s), seed_reply_for(kSimpleGet));
  close(fd);
  EXPECT_EQ(s.stop().code, 0);
}

TEST_P(EveryModel, SilentClientDoesNotStopOthersBeingServed) {
  ServerProcess s(GetParam(), {"--read-timeout", "1s"});
  int silent = connect_to(s.port());
  ASSERT_GE(silent, 0);
  std::this_thread::sleep_for(50ms);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(fetch(s.port(), kSimpleGet, 10s), seed_reply_for(kSimpleGet));
  // Bounded by the read timeout even for the iterative model (not a timing goal: a hang
  // would take the full 10 s fetch timeout).
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  bool eof = false;
  read_until_eof(silent, 5s, &eof);
  EXPECT_TRUE(eof) << "the silent client was never closed";
  close(silent);
  EXPECT_EQ(s.stop().code, 0);
  EXPECT_NE(s.proc().err().find("read_timeouts=1"), std::string::npos) << s.proc().err();
}

TEST_P(EveryModel, SigtermWithOpenConnectionsExitsCleanlyLeavingNothing) {
  ServerProcess s(GetParam(), {"--grace", "2s", "--protocol", "http11"});
  int kept = connect_to(s.port());  // keep-alive (where offered), idle after one reply
  send_all(kept, kSimpleGet);
  EXPECT_EQ(read_http11_response(kept, 5s).rfind("HTTP/1.1 200", 0), 0u);
  std::vector<int> fds;
  for (int i = 0; i < 5; ++i) fds.push_back(connect_to(s.port()));  // connected, silent
  int partial = connect_to(s.port());
  send_all(partial, "GET / HTTP/1.1\r\n");  // mid-request
  std::this_thread::sleep_for(100ms);
  const pid_t pid = s.proc().pid();
  ExitStatus st = s.stop(20s);
  EXPECT_TRUE(st.exited) << "killed by signal " << st.signal;
  EXPECT_EQ(st.code, 0);
  EXPECT_NE(s.proc().err().find("server: stopped model="), std::string::npos) << s.proc().err();
  std::this_thread::sleep_for(50ms);
  EXPECT_TRUE(descendants(pid).empty()) << "processes left behind";
  EXPECT_TRUE(descendants(getpid()).empty()) << "orphans re-parented to the test";
  for (int fd : fds) close(fd);
  close(partial);
  close(kept);
}

TEST_P(EveryModel, ServesAgainAfterManySequentialConnections) {
  ServerProcess s(GetParam());
  for (int i = 0; i < 300; ++i) ASSERT_EQ(fetch(s.port(), kSimpleGet), seed_reply_for(kSimpleGet)) << i;
  std::this_thread::sleep_for(300ms);  // forking models reap at least every 100 ms
  EXPECT_EQ(zombie_children(s.proc().pid()), 0);
  EXPECT_EQ(s.stop().code, 0);
}

INSTANTIATE_TEST_SUITE_P(Models, EveryModel, ::testing::ValuesIn(server_models()), [](const auto& info) {
  std::string n = info.param;
  for (char& c : n)
    if (c == '-') c = '_';
  return n;
});

// The model list comes from one `server --list-models` per test process, however many
// parameterised tests ask for it (GoogleTest evaluates a suite's generator once per TEST_P).
TEST(ModelList, IsReadOncePerTestProcess) {
  EXPECT_FALSE(server_models().empty());
  EXPECT_TRUE(keeps_alive("epoll"));
  EXPECT_EQ(labtest::model_list_reads(), 1);
}
