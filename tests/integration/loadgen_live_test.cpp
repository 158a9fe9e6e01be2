// The live view (loadgen --live): its event stream against the result it ends with, resuming,
// the listener's rules, steering, a job's hub, and a listener that never reads.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <map>
#include <regex>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/output_file.h"
#include "loadgen/live/hub.h"
#include "loadgen/live/server.h"
#include "tests/support/client.h"
#include "tests/support/loadgen_run.h"
#include "tests/support/process.h"
#include "tests/support/sse_client.h"

using namespace labtest;
using namespace std::chrono_literals;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> live_args(std::uint16_t server, const std::string& json_path, std::vector<std::string> extra) {
  std::vector<std::string> argv = {LOADGEN_BIN, "-H", url(server), "-q", "--json", json_path, "--live", "0"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

// Every event up to and including `last_type`, or what came within `timeout`.
std::vector<SseEvent> events_until(SseClient& c, const std::string& last_type, std::chrono::seconds timeout = 30s) {
  std::vector<SseEvent> out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto e = c.next(1s);
    if (!e) {
      if (c.closed()) break;
      continue;
    }
    out.push_back(*e);
    if (e->type == last_type) break;
  }
  return out;
}

std::vector<json> of_type(const std::vector<SseEvent>& events, const std::string& type) {
  std::vector<json> out;
  for (const auto& e : events)
    if (e.type == type) out.push_back(json::parse(e.data));
  return out;
}

double metric(const std::string& text, const std::string& name) {
  const auto at = text.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + name.size() + 2));
}

}  // namespace

TEST(LiveView, TheEventsAreHelloATickASecondAndEndAndTheyAddUpToTheResult) {
  ServerProcess server("epoll");
  const std::string path = tmp_json("live-events");
  Process lg(live_args(server.port(), path,
                       {"-u", "20", "--wait-min", "0.02", "--wait-max", "0.05", "-t", "4s", "--live-linger", "60s"}));
  const std::uint16_t port = live_port(lg);
  ASSERT_NE(port, 0);
  SseClient sse(port);
  ASSERT_TRUE(sse.connected());
  auto events = events_until(sse, "tick");
  // mid-run, the snapshot says it is one: a reader must not take it for the run's result
  const json mid = json::parse(http_request(port, "GET", "/snapshot.json").body);
  EXPECT_EQ(mid.value("in_progress", false), true) << mid.dump().substr(0, 300);
  for (const auto& e : events_until(sse, "end")) events.push_back(e);
  EXPECT_NE(sse.head().find("Content-Type: text/event-stream"), std::string::npos) << sse.head();
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events.front().type, "hello");
  ASSERT_EQ(events.back().type, "end");
  const json hello = json::parse(events.front().data);
  EXPECT_DOUBLE_EQ(hello["run_time_s"].get<double>(), 4.0);
  EXPECT_EQ(hello["mode"], "users");
  for (std::size_t i = 1; i < events.size(); ++i) EXPECT_LT(events[i - 1].id, events[i].id) << "ids increase";

  // one tick a second, for each second of the run; their requests are the result's
  const auto ticks = of_type(events, "tick");
  ASSERT_EQ(ticks.size(), 4u);
  std::uint64_t requests = 0;
  for (std::size_t i = 0; i < ticks.size(); ++i) {
    EXPECT_EQ(ticks[i]["t"], static_cast<int>(i) + 1);
    requests += ticks[i]["requests"].get<std::uint64_t>();
  }
  const json doc = lab::read_json_file(path);
  expect_consistent(doc);
  EXPECT_EQ(requests, doc["summary"]["requests"].get<std::uint64_t>());
  EXPECT_GT(requests, 100u);
  ASSERT_EQ(doc["series"].size(), ticks.size());
  for (std::size_t i = 0; i < ticks.size(); ++i) EXPECT_EQ(doc["series"][i]["requests"], ticks[i]["requests"]);
  const json end = json::parse(events.back().data);
  EXPECT_EQ(end["status"], "ok");
  EXPECT_EQ(end["summary"]["requests"], doc["summary"]["requests"]);
  EXPECT_EQ(end["files"]["json"], path);
  EXPECT_EQ(ticks.back()["total"]["requests"], doc["summary"]["requests"]) << "the last tick's run so far is the run";

  // A reconnect after the second tick gets the rest, from the third on.
  std::uint64_t second_tick = 0;
  std::string second_tick_id;
  for (const auto& e : events)
    if (e.type == "tick" && json::parse(e.data)["t"] == 2) second_tick = e.id, second_tick_id = e.wire_id();
  SseClient again(port, second_tick_id);
  const auto rest = events_until(again, "end");
  ASSERT_FALSE(rest.empty());
  EXPECT_EQ(rest.front().id, second_tick + 1);
  EXPECT_EQ(json::parse(rest.front().data)["t"], 3);
  EXPECT_EQ(rest.size(), static_cast<std::size_t>(std::count_if(
                             events.begin(), events.end(), [&](const SseEvent& e) { return e.id > second_tick; })));

  // the ended run's metrics and snapshot hold the same totals as the file
  const HttpReply metrics = http_request(port, "GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.headers.find("text/plain; version=0.0.4"), std::string::npos);
  EXPECT_EQ(metric(metrics.body, "loadgen_requests_total"), doc["summary"]["requests"].get<double>());
  EXPECT_EQ(metric(metrics.body, "loadgen_running"), 0);
  const HttpReply snapshot = http_request(port, "GET", "/snapshot.json");
  EXPECT_EQ(json::parse(snapshot.body)["summary"]["requests"], doc["summary"]["requests"]);
  EXPECT_FALSE(json::parse(snapshot.body).contains("in_progress")) << "the ended run's snapshot is its result";
  EXPECT_FALSE(doc.contains("in_progress"));

  // lingering, it ends at Ctrl-C with the run's exit code
  EXPECT_TRUE(lg.running()) << "--live-linger keeps the page up";
  lg.signal(SIGINT);
  const ExitStatus st = lg.wait(10s);
  EXPECT_TRUE(st.exited);
  EXPECT_EQ(st.code, 0) << lg.err();
  fs::remove(path);
}

TEST(LiveView, WithoutLingerTheRunDoesNotWaitForItsWatchers) {
  ServerProcess server("epoll");
  const std::string path = tmp_json("live-nolinger");
  Process lg(live_args(server.port(), path, {"-u", "2", "--wait-min", "0.1", "--wait-max", "0.2", "-t", "2s"}));
  const std::uint16_t port = live_port(lg);
  SseClient sse(port);  // a watcher that stays connected
  const ExitStatus st = lg.wait(15s);
  EXPECT_TRUE(st.exited) << "a watching browser must not hold the run open";
  EXPECT_EQ(st.code, 0) << lg.err();
  const auto events = events_until(sse, "end", 5s);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().type, "end") << "the end reaches the watcher before the listener closes";
  fs::remove(path);
}

TEST(LiveView, TheListenerServesThePageAndRefusesWhatItShould) {
  ServerProcess server("epoll");
  const std::string path = tmp_json("live-rules");
  Process lg(live_args(server.port(), path, {"-u", "2", "-t", "2s", "--live-linger", "60s"}));
  const std::uint16_t port = live_port(lg);
  ASSERT_NE(port, 0);
  const HttpReply page = http_request(port, "GET", "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.headers.find("Content-Type: text/html"), std::string::npos);
  EXPECT_NE(page.headers.find("Content-Security-Policy: default-src 'none'"), std::string::npos);
  EXPECT_GT(page.body.size(), 40'000u);
  EXPECT_EQ(page.body.find("http://"), std::string::npos);
  EXPECT_EQ(page.body.find("https://"), std::string::npos);
  const HttpReply head = http_request(port, "HEAD", "/");
  EXPECT_EQ(head.status, 200);
  EXPECT_NE(head.headers.find("Content-Length: " + std::to_string(page.body.size())), std::string::npos);
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(http_request(port, "GET", "/", "", "", "evil.example:8089").status, 403) << "a rebinding name is refused";
  EXPECT_EQ(http_request(port, "GET", "/", "", "", "localhost:1").status, 200);
  EXPECT_EQ(http_request(port, "GET", "/nothing").status, 404);
  const HttpReply control = http_request(port, "POST", "/control", "X-Loadlab-Control: 1\r\n", R"({"stop": true})");
  EXPECT_EQ(control.status, 403) << "steering is opt-in";
  EXPECT_NE(control.body.find("--live-control"), std::string::npos) << control.body;
  EXPECT_EQ(http_request(port, "POST", "/ingest", "X-Loadlab-Token: x\r\n", "{}").status, 404) << "not a job's hub";
  EXPECT_EQ(page.headers.find("Access-Control-Allow-Origin"), std::string::npos);
  lg.signal(SIGINT);
  EXPECT_TRUE(lg.wait(10s).exited);
  fs::remove(path);
}

TEST(LiveView, SteeringSetsTheUsersAndTheResultRecordsTheChange) {
  ServerProcess server("epoll");
  const std::string path = tmp_json("live-users");
  Process lg(live_args(server.port(), path,
                       {"-u", "4", "--wait-min", "0.05", "--wait-max", "0.1", "-t", "6s", "--live-control"}));
  const std::uint16_t port = live_port(lg);
  ASSERT_NE(port, 0);
  SseClient sse(port);
  ASSERT_TRUE(events_until(sse, "tick").size() >= 2u) << "hello and the first tick";
  const HttpReply no_header = http_request(port, "POST", "/control", "", R"({"users": 12})");
  EXPECT_EQ(no_header.status, 403) << "a POST without the custom header could come from another site";
  EXPECT_EQ(http_request(port, "POST", "/control", "X-Loadlab-Control: 1\r\n", R"({"users": "many"})").status, 400);
  const HttpReply ok =
      http_request(port, "POST", "/control", "X-Loadlab-Control: 1\r\n", R"({"users": 12, "spawn_rate": 0})");
  EXPECT_EQ(ok.status, 202) << ok.body;
  const auto events = events_until(sse, "end");
  const auto controls = of_type(events, "control");
  ASSERT_EQ(controls.size(), 1u);
  EXPECT_EQ(controls[0]["users"], 12);
  // the ticks after the change run 12 users (the second after it, at the latest)
  const auto ticks = of_type(events, "tick");
  ASSERT_GE(ticks.size(), 3u);
  EXPECT_EQ(ticks.back()["users"], 12);
  EXPECT_DOUBLE_EQ(ticks.back()["target"].get<double>(), 12);
  ASSERT_TRUE(lg.wait(15s).exited);
  const json doc = lab::read_json_file(path);
  ASSERT_EQ(doc["control"].size(), 1u) << doc["control"];
  EXPECT_EQ(doc["control"][0]["users"], 12);
  EXPECT_GT(doc["control"][0]["t"].get<double>(), 0.5);
  EXPECT_EQ(doc["series"].back()["users"], 12);
  EXPECT_EQ(doc["status"], "ok");
  fs::remove(path);
}

TEST(LiveView, SteeringAnOpenLoopsRateAndStoppingTheRunEarly) {
  ServerProcess server("epoll");
  const std::string path = tmp_json("live-rate");
  Process lg(live_args(server.port(), path, {"--rate", "100", "-u", "10", "-t", "60s", "--live-control"}));
  const std::uint16_t port = live_port(lg);
  ASSERT_NE(port, 0);
  SseClient sse(port);
  events_until(sse, "tick");
  EXPECT_EQ(http_request(port, "POST", "/control", "X-Loadlab-Control: 1\r\n", R"({"users": 3})").status, 400)
      << "an open loop's connections are fixed";
  EXPECT_EQ(http_request(port, "POST", "/control", "X-Loadlab-Control: 1\r\n", R"({"rate": 300})").status, 202);
  std::vector<json> ticks;
  for (int i = 0; i < 4; ++i) {
    const auto got = of_type(events_until(sse, "tick", 5s), "tick");
    ticks.insert(ticks.end(), got.begin(), got.end());
  }
  ASSERT_GE(ticks.size(), 3u);
  EXPECT_DOUBLE_EQ(ticks.back()["target"].get<double>(), 300);
  EXPECT_GT(ticks.back()["requests"].get<double>(), 200) << "a whole second at the new rate sends about 300";
  EXPECT_EQ(http_request(port, "POST", "/control", "X-Loadlab-Control: 1\r\n", R"({"stop": true})").status, 202);
  const ExitStatus st = lg.wait(15s);
  EXPECT_TRUE(st.exited) << "stop ends a 60 s run now";
  EXPECT_EQ(st.code, 0) << lg.err();
  const json doc = lab::read_json_file(path);
  EXPECT_EQ(doc["status"], "ok");
  EXPECT_LT(doc["summary"]["duration_s"].get<double>(), 30);
  EXPECT_NE(doc["stopped"].get<std::string>().find("live view"), std::string::npos) << doc["stopped"];
  ASSERT_EQ(doc["control"].size(), 2u) << doc["control"];
  EXPECT_EQ(doc["control"][0]["rate"], 300);
  EXPECT_EQ(doc["control"][1]["stop"], true);
  expect_consistent(doc);
  fs::remove(path);
}

// Listeners that connect and never read: the run's schedule and the client's lag are those of
// the same run without the live view.
TEST(LiveView, StalledListenersDoNotChangeTheRun) {
  ServerProcess server("epoll");
  const std::vector<std::string> load = {"--rate", "2000", "-u", "20", "-t", "4s"};
  std::map<std::string, json> docs;
  std::map<std::string, double> wall_s;
  for (const bool live : {false, true}) {
    const std::string path = tmp_json(live ? "live-stalled" : "live-none");
    std::vector<std::string> argv = {LOADGEN_BIN, "-H", url(server.port()), "-q", "--json", path};
    argv.insert(argv.end(), load.begin(), load.end());
    if (live) argv.insert(argv.end(), {"--live", "0"});
    const auto began = std::chrono::steady_clock::now();
    Process lg(argv);
    std::vector<int> stalled;
    if (live) {
      const std::uint16_t port = live_port(lg);
      for (int i = 0; i < 3; ++i) {
        const int fd = connect_to(port);
        ASSERT_GE(fd, 0);
        const int small = 1024;
        ASSERT_EQ(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small), 0);
        ASSERT_TRUE(send_all(fd, "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
        stalled.push_back(fd);  // never read
      }
    }
    const ExitStatus st = lg.wait(30s);
    wall_s[live ? "live" : "none"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    for (int fd : stalled) close(fd);
    ASSERT_TRUE(st.exited) << "a stalled listener must not hold the run";
    EXPECT_EQ(st.code, 0) << lg.err();
    docs[live ? "live" : "none"] = lab::read_json_file(path);
    fs::remove(path);
  }
  for (const auto& [name, doc] : docs) {
    SCOPED_TRACE(name);
    EXPECT_GE(doc["summary"]["schedule_fidelity"].get<double>(), 0.9);
    EXPECT_EQ(doc["summary"]["failures"], 0);
  }
  // The schedule kept as well as without them (compared, not against a fixed line: under ASan at
  // -j2 the run with listeners once kept 96.3%, both runs in that noise). A load thread held by
  // a stalled listener for its write deadline (seconds of a 4 s run) would lose far more.
  EXPECT_GE(docs["live"]["summary"]["schedule_fidelity"].get<double>(),
            docs["none"]["summary"]["schedule_fidelity"].get<double>() - 0.05);
  // The client's own health is not worse with the listeners: its lag, compared as numbers with
  // room for a shared machine's noise (not as the "bound" verdict, whose 5 ms line one noisy run
  // under ASan crossed at 5.7 ms while the run without listeners stayed under it). A publisher
  // that waited on a stalled listener would add its write deadline (seconds) to the lag.
  // Nor does the run end later: a tick that waited for a listener would hold the controller,
  // and with it the end (a 2 s wait per tick made this 4 s run take 9 s; its result still said 4 s).
  EXPECT_LE(wall_s["live"], wall_s["none"] + 3.0) << "a stalled listener held the run's end";
  const json& with = docs["live"]["client"];
  const json& without = docs["none"]["client"];
  EXPECT_LE(with["lag_p99_ms"].get<double>(), without["lag_p99_ms"].get<double>() + 25.0) << with << "\n" << without;
  EXPECT_LE(with["lag_max_ms"].get<double>(), without["lag_max_ms"].get<double>() + 500.0) << with << "\n" << without;
}

// The listener itself: one that stops reading is dropped once a write has waited past the
// deadline; the others, and the publisher, carry on.
// A listener on its own hub, with the given write deadline.
struct Listener {
  static lab::LiveOptions with_deadline(std::chrono::milliseconds d) {
    lab::LiveOptions o;
    o.write_deadline = d;
    return o;
  }
  explicit Listener(std::chrono::milliseconds deadline) : server(hub, with_deadline(deadline)) {}
  lab::LiveHub hub;
  lab::LiveServer server;
};

TEST(LiveServer, AListenerThatStopsReadingIsDroppedAndTheOthersAreServed) {
  Listener l(500ms);
  lab::LiveHub& hub = l.hub;
  lab::LiveServer& server = l.server;
  ASSERT_EQ(server.start(), "");
  const int stalled = connect_to(server.port());
  ASSERT_GE(stalled, 0);
  const int small = 1024;
  ASSERT_EQ(setsockopt(stalled, SOL_SOCKET, SO_RCVBUF, &small, sizeof small), 0);
  ASSERT_TRUE(send_all(stalled, "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  SseClient reader(server.port());
  ASSERT_TRUE(reader.connected());
  const std::string big = "\"" + std::string(64 * 1024, 'x') + "\"";  // 64 KB an event
  std::uint64_t last = 0, read_last = 0;
  // 400 events of 64 KB: far more than the socket buffers hold
  for (int i = 0; i < 400; ++i) {
    last = hub.publish("tick", big);
    while (auto e = reader.next(0ms)) read_last = e->id;
  }
  while (read_last < last) {
    auto e = reader.next(10s);
    ASSERT_TRUE(e) << "the reading listener stopped getting events at " << read_last;
    read_last = e->id;
  }
  for (int i = 0; i < 100 && server.dropped.load() == 0; ++i) std::this_thread::sleep_for(50ms);
  EXPECT_EQ(server.dropped.load(), 1u) << "the listener that stopped reading was dropped";
  EXPECT_EQ(http_request(server.port(), "GET", "/snapshot.json").status, 200) << "and the listener still answers";
  close(stalled);
  server.stop();
}

// One that reads slowly but steadily is not dropped, however long its backlog takes: the deadline
// is for progress (a write the socket takes nothing of), not for the whole backlog. 400 events of
// 64 KB wait when it joins (before: one write of 26 MB under one deadline); it takes 64 KB every
// 5 ms, at most 13 MB/s, so the backlog takes at least 2 s, twice the write deadline, while the
// kernel's send buffer (4 MB at most, writable again when half of it has drained) sees progress
// at least every 0.15 s.
TEST(LiveServer, ASlowButReadingListenerIsNotDroppedWhileItsBacklogDrains) {
  Listener l(1s);
  lab::LiveHub& hub = l.hub;
  lab::LiveServer& server = l.server;
  ASSERT_EQ(server.start(), "");
  const std::string big = "\"" + std::string(64 * 1024, 'x') + "\"";
  std::uint64_t last = 0;
  for (int i = 0; i < 400; ++i) last = hub.publish("tick", big);
  const int fd = connect_to(server.port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(send_all(fd, "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  const std::string want = "id: " + hub.run_id() + "." + std::to_string(last) + "\n";
  std::string got;
  std::vector<char> chunk(64 * 1024);
  const auto give_up = std::chrono::steady_clock::now() + 30s;
  while (got.find(want, got.size() > 100'000 ? got.size() - 100'000 : 0) == std::string::npos &&
         std::chrono::steady_clock::now() < give_up) {
    const ssize_t n = recv(fd, chunk.data(), chunk.size(), 0);
    if (n <= 0) break;  // closed: dropped
    got.append(chunk.data(), static_cast<std::size_t>(n));
    std::this_thread::sleep_for(5ms);
  }
  close(fd);
  EXPECT_NE(got.find(want), std::string::npos) << "the slow listener got " << got.size() << " bytes, then the end";
  EXPECT_EQ(server.dropped.load(), 0u) << "a listener that reads was dropped";
  server.stop();
}

// A job's hub (make bench-all LIVE=PORT): its runs post their events with the job's token; one
// page shows the job, each run's hello, ticks and end with its row, and the job's end.
TEST(LiveHub, AJobsRunsShareOnePage) {
  ServerProcess server("epoll");
  const std::string token = "test-token-0123456789abcdef";
  ASSERT_EQ(setenv("LOADGEN_LIVE_TOKEN", token.c_str(), 1), 0);
  Process hub(
      {LOADGEN_BIN, "live-hub", "--live", "0", "--title", "a job", "--items", "a b", "--columns", "model,requests"});
  const std::uint16_t port = live_port(hub, "http://127.0.0.1:");
  ASSERT_NE(port, 0);
  SseClient sse(port);
  for (const char* item : {"a", "b"}) {
    int code = -1;
    std::string err;
    const json doc = run_loadgen({"-H", url(server.port()), "-u", "5", "--wait-min", "0.05", "--wait-max", "0.1", "-t",
                                  "2s", "--label", item, "--live-hub", "127.0.0.1:" + std::to_string(port)},
                                 tmp_json(std::string("hub-") + item), &code, &err);
    EXPECT_EQ(code, 0) << err;
    EXPECT_EQ(doc["status"], "ok");
  }
  EXPECT_EQ(http_request(port, "POST", "/ingest", "X-Loadlab-Token: wrong-token-0123456789\r\n",
                         R"({"type": "job-end", "data": {}})")
                .status,
            403);
  EXPECT_EQ(
      http_request(port, "POST", "/ingest", "X-Loadlab-Token: " + token + "\r\n", R"({"type": "job-end", "data": {}})")
          .status,
      202);
  const auto events = events_until(sse, "job-end");
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.front().type, "job");
  EXPECT_EQ(json::parse(events.front().data)["items"], json::array({"a", "b"}));
  const auto hellos = of_type(events, "hello");
  const auto ends = of_type(events, "end");
  ASSERT_EQ(hellos.size(), 2u);
  ASSERT_EQ(ends.size(), 2u);
  EXPECT_EQ(hellos[0]["job_item"], "a");
  EXPECT_EQ(hellos[1]["job_item"], "b");
  EXPECT_EQ(ends[1]["row"][0], "b");
  EXPECT_GE(of_type(events, "tick").size(), 4u);
  EXPECT_EQ(events.back().type, "job-end");
  const ExitStatus st = hub.wait(10s);
  EXPECT_TRUE(st.exited) << "the hub ends with its job";
  EXPECT_EQ(st.code, 0) << hub.err();
  unsetenv("LOADGEN_LIVE_TOKEN");
}
