// The live view's guards (round 4 of the audit): a listener beyond loopback needs an allow-list
// of host names and a token for steering; the listener holds a bounded number of connections;
// event ids belong to one run; a control after the end, or a second stop, is refused; a job's
// hub takes only event types that cannot write lines of their own; and a run whose hub accepts
// but never answers still ends.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "loadgen/live/hub.h"
#include "loadgen/live/server.h"
#include "loadgen/run/observer.h"
#include "tests/support/client.h"
#include "tests/support/files.h"
#include "tests/support/loadgen_run.h"
#include "tests/support/process.h"
#include "tests/support/sse_client.h"

using namespace labtest;
using namespace std::chrono_literals;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

// --live beyond loopback without --live-allow-host is a mistake named with its fix; with it,
// a request naming another host is refused (a rebinding page), the allowed name and loopback
// names are served, and steering needs the token loadgen generated and printed in the URL.
TEST(LiveGuard, ABindBeyondLoopbackNeedsAnAllowListAndATokenToSteer) {
  ServerProcess server("epoll");
  const std::string path = tmp_json("live-guard-bind");
  {
    Process bare({LOADGEN_BIN, "-H", url(server.port()), "-q", "-t", "1s", "--live", "0.0.0.0:0"});
    const auto st = bare.wait(10s);
    EXPECT_TRUE(st.exited);
    EXPECT_EQ(st.code, 2);
    EXPECT_NE(bare.err().find("--live-allow-host"), std::string::npos) << bare.err();
  }
  Process lg({LOADGEN_BIN, "-H", url(server.port()), "-q", "--json", path, "-u", "2", "-t", "30s", "--live",
              "0.0.0.0:0", "--live-allow-host", "lab.test", "--live-control"});
  const std::uint16_t port = live_port(lg);
  ASSERT_NE(port, 0);
  std::smatch m;
  std::string err;
  for (int i = 0; i < 200 && !std::regex_search(err, m, std::regex("#token=([0-9a-f]{32})")); ++i) {
    std::this_thread::sleep_for(25ms);
    err = lg.err();
  }
  ASSERT_TRUE(std::regex_search(err, m, std::regex("#token=([0-9a-f]{32})"))) << err;
  const std::string token = m[1];
  EXPECT_NE(err.find("warning: the live view listens on 0.0.0.0"), std::string::npos) << err;
  EXPECT_EQ(http_request(port, "GET", "/", "", "", "evil.example:" + std::to_string(port)).status, 403);
  EXPECT_EQ(http_request(port, "GET", "/", "", "", "LAB.test:" + std::to_string(port)).status, 200);
  EXPECT_EQ(http_request(port, "GET", "/snapshot.json").status, 200) << "loopback names are served";
  const std::string ctl = "X-Loadlab-Control: 1\r\n";
  const HttpReply no_token = http_request(port, "POST", "/control", ctl, R"({"stop": true})");
  EXPECT_EQ(no_token.status, 403);
  EXPECT_NE(no_token.body.find("X-Loadlab-Token"), std::string::npos) << no_token.body;
  EXPECT_EQ(http_request(port, "POST", "/control", ctl + "X-Loadlab-Token: " + std::string(32, '0') + "\r\n",
                         R"({"stop": true})")
                .status,
            403)
      << "a wrong token";
  EXPECT_EQ(
      http_request(port, "POST", "/control", ctl + "X-Loadlab-Token: " + token + "\r\n", R"({"stop": true})").status,
      202);
  const auto st = lg.wait(20s);
  EXPECT_TRUE(st.exited) << "the stop was taken";
  const json doc = json::parse(slurp(path));
  EXPECT_EQ(doc["control"].size(), 1u);
  for (const auto& arg : doc["command_line"]) EXPECT_EQ(arg.get<std::string>().find(token), std::string::npos);
  fs::remove(path);
}

// The listener holds at most max_connections: one over is answered 503 and closed, and counted;
// the connections it holds are served, and once one closes a new one is too.
TEST(LiveGuard, TheListenerHoldsABoundedNumberOfConnections) {
  lab::LiveHub hub;
  lab::LiveOptions o;
  o.max_connections = 4;
  lab::LiveServer server(hub, o);
  ASSERT_EQ(server.start(), "");
  std::vector<int> idle;
  for (int i = 0; i < 4; ++i) {
    idle.push_back(connect_to(server.port()));
    ASSERT_GE(idle.back(), 0);
  }
  std::this_thread::sleep_for(200ms);  // (the listener accepts them)
  const HttpReply over = http_request(server.port(), "GET", "/snapshot.json");
  EXPECT_EQ(over.status, 503);
  EXPECT_NE(over.body.find("most connections"), std::string::npos) << over.body;
  EXPECT_EQ(server.refused.load(), 1u);
  ASSERT_TRUE(send_all(idle[0], "GET /snapshot.json HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
  char buf[256];
  const ssize_t n = recv(idle[0], buf, sizeof buf, 0);
  ASSERT_GT(n, 12);
  EXPECT_EQ(std::string(buf, 12), "HTTP/1.1 200") << "a held connection is served";
  for (int fd : idle) close(fd);
  HttpReply again;
  for (int i = 0; i < 50 && (again = http_request(server.port(), "GET", "/snapshot.json")).status != 200; ++i)
    std::this_thread::sleep_for(20ms);
  EXPECT_EQ(again.status, 200) << "room again once they closed";
  server.stop();
}

// Event ids are RUN.N: a page that reconnects with the previous run's last id gets the new run
// from its hello (before, the ids restarted at 1 and it missed the events up to that number).
TEST(LiveGuard, AnIdOfAnotherRunResumesFromTheStartOfThisOne) {
  lab::LiveHub first, second;
  EXPECT_NE(first.run_id(), second.run_id());
  for (int i = 0; i < 5; ++i) first.publish(i == 0 ? "hello" : "tick", "{}");
  lab::LiveServer server(second, lab::LiveOptions{});
  ASSERT_EQ(server.start(), "");
  second.publish("hello", R"({"run":2})");
  second.publish("tick", "{}");
  SseClient stale(server.port(), first.run_id() + ".5");
  const auto e = stale.next(5s);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, "hello");
  EXPECT_EQ(e->run, second.run_id());
  SseClient resumed(server.port(), second.run_id() + ".1");  // within the run: after its hello
  const auto r = resumed.next(5s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->type, "tick");
  EXPECT_EQ(r->id, 2u);
  server.stop();
}

// A control after the run's end is refused (409), and a stop asked twice is one stop.
TEST(LiveGuard, AControlAfterTheEndOrASecondStopIsRefused) {
  lab::LiveHub hub;
  lab::Steering steering;
  lab::LiveOptions o;
  o.control = true;
  o.steering = &steering;
  o.model = &lab::users_model();
  o.max_users = 10;
  lab::LiveServer server(hub, o);
  ASSERT_EQ(server.start(), "");
  const std::string ctl = "X-Loadlab-Control: 1\r\n";
  EXPECT_EQ(http_request(server.port(), "POST", "/control", ctl, R"({"users": 3})").status, 202);
  EXPECT_EQ(http_request(server.port(), "POST", "/control", ctl, R"({"stop": true})").status, 202);
  const HttpReply twice = http_request(server.port(), "POST", "/control", ctl, R"({"stop": true})");
  EXPECT_EQ(twice.status, 409);
  EXPECT_NE(twice.body.find("already stopping"), std::string::npos) << twice.body;
  int taken = 0;
  while (steering.take()) ++taken;
  EXPECT_EQ(taken, 2) << "the users and one stop";
  hub.publish("end", "{}");
  const HttpReply after = http_request(server.port(), "POST", "/control", ctl, R"({"users": 1})");
  EXPECT_EQ(after.status, 409);
  EXPECT_NE(after.body.find("ended"), std::string::npos) << after.body;
  EXPECT_FALSE(steering.take());
  server.stop();
}

// A job's hub refuses an event type that is not a word: a token holder cannot write SSE lines
// of its own ("tick\ndata: ..." would be a forged event for every page).
TEST(LiveGuard, AHubRefusesAnEventTypeThatIsNotAWord) {
  lab::LiveHub hub;
  lab::LiveOptions o;
  o.ingest_token = "a-job-token-0123456789";
  lab::LiveServer server(hub, o);
  ASSERT_EQ(server.start(), "");
  const std::string auth = "X-Loadlab-Token: " + o.ingest_token + "\r\n";
  const HttpReply forged = http_request(server.port(), "POST", "/ingest", auth,
                                        json{{"type", "tick\ndata: {}\n\nevent: end"}, {"data", 1}}.dump());
  EXPECT_EQ(forged.status, 400);
  EXPECT_EQ(hub.last_id(), 0u);
  EXPECT_EQ(http_request(server.port(), "POST", "/ingest", auth, json{{"type", "job-end"}, {"data", 1}}.dump()).status,
            202);
  EXPECT_EQ(http_request(server.port(), "POST", "/ingest", "X-Loadlab-Token: a-job-token-0123456788\r\n",
                         json{{"type", "tick"}, {"data", 1}}.dump())
                .status,
            403);
  EXPECT_EQ(hub.last_id(), 1u);
  server.stop();
}

// A hub that accepts and never answers: the run ends, warns, and the process exits (before, its
// synchronous read had no deadline and loadgen never exited; a first SIGTERM was ignored).
TEST(LiveGuard, ARunWhoseHubNeverAnswersStillExits) {
  ServerProcess server("epoll");
  const int mute = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(mute, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(mute, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(listen(mute, 16), 0);  // the kernel completes the handshakes; nobody accepts or reads
  socklen_t len = sizeof a;
  ASSERT_EQ(getsockname(mute, reinterpret_cast<sockaddr*>(&a), &len), 0);
  ASSERT_EQ(setenv("LOADGEN_LIVE_TOKEN", "a-job-token-0123456789", 1), 0);
  const std::string path = tmp_json("live-guard-mute");
  Process lg({LOADGEN_BIN, "-H", url(server.port()), "-q", "--json", path, "-u", "2", "-t", "1s", "--live-hub",
              "127.0.0.1:" + std::to_string(ntohs(a.sin_port))});
  const auto st = lg.wait(40s);
  close(mute);
  EXPECT_TRUE(st.exited) << "loadgen still ran 40 s after a 1 s run: " << lg.err();
  EXPECT_EQ(st.code, 0) << lg.err();
  EXPECT_NE(lg.err().find("does not take events"), std::string::npos) << lg.err();
  EXPECT_TRUE(fs::exists(path)) << "the result is written";
  fs::remove(path);
}

}  // namespace
