// loadgen's HTTP/2 (--http2 over TLS by ALPN, --h2c by prior knowledge) against real servers
// (nginx and nghttpd, with certificates made by the test) and a hostile peer
// (tests/support/h2_peer.h): counts equal the server's log, streams per connection as asked,
// the server's stream limit honoured and the wait shown as the queued phase, and every way a
// server can misbehave classified, with the run ending on time.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "tests/support/h2_peer.h"
#include "tests/support/loadgen_run.h"
#include "tests/support/process.h"
#include "tests/support/script_server.h"

using namespace labtest;
namespace fs = std::filesystem;

namespace {

// nginx on PORT (h2 over TLS), PORT+1 (h2c), PORT+2 (TLS, HTTP/1.1 only): tests/support/h2_nginx.sh.
struct Nginx : ScriptServer {
  Nginx() : ScriptServer("loadlab_h2_nginx_", 3, SIGQUIT) {
    start(
        [this](std::uint16_t port) {
          return std::vector<std::string>{"/bin/bash", std::string(SOURCE_DIR) + "/tests/support/h2_nginx.sh", dir(),
                                          std::to_string(port)};
        },
        "nginx did not start (bash scripts/install-deps.sh --test-tools installs it)");
  }
  std::string ca() const { return dir() + "/ca.pem"; }
};

std::map<std::string, nlohmann::json> by_name(const nlohmann::json& j) {
  std::map<std::string, nlohmann::json> m;
  for (const auto& e : j["endpoints"]) m[e["name"]] = e;
  return m;
}

// The count the server logged is the count loadgen recorded, plus those still in flight at the
// end (answered after it: not part of the run); every line is HTTP/2.
void expect_log_matches(const ScriptServer& srv, const nlohmann::json& j) {
  const auto lines = srv.log();
  const auto requests = j["summary"]["requests"].get<std::size_t>();
  const auto in_flight = j["summary"]["in_flight_at_stop"].get<std::size_t>();
  EXPECT_GE(lines.size(), requests);
  EXPECT_LE(lines.size(), requests + in_flight) << "the server saw requests loadgen did not count";
  for (const auto& l : lines) {
    EXPECT_EQ(l.rfind("HTTP/2.0 ", 0), 0u) << l;
    if (l.rfind("HTTP/2.0 ", 0) != 0) break;
  }
}

TEST(LoadgenH2, OverTlsByAlpnCountsEqualTheServersLogAndStreamsShareConnections) {
  Nginx srv;
  int code = -1;
  std::string err;
  const auto j = run_loadgen(
      {"-H", srv.url("https", 0), "--http2", "--cacert", srv.ca(), "--streams", "4", "-u", "8", "--max", "-t", "1s"},
      tmp_json("h2_tls"), &code, &err);
  EXPECT_EQ(code, 0) << err;
  ASSERT_FALSE(j.is_null()) << err;
  expect_consistent(j);
  EXPECT_GT(j["summary"]["successes"].get<int>(), 100);
  EXPECT_EQ(j["summary"]["failures"], 0);
  const auto& h = j["environment"]["http2"];
  EXPECT_EQ(h["protocol"], "h2");
  EXPECT_EQ(h["connections_opened"], 2) << "8 users over connections of 4 streams";
  EXPECT_EQ(h["max_streams_in_flight"], 4);
  EXPECT_EQ(h["window_bits"], 30);
  EXPECT_EQ(j["workload"]["http2"]["streams"], 4);
  EXPECT_EQ(j["environment"]["client_io"], "nghttp2-openssl");
  EXPECT_EQ(j["timings"]["tls"]["count"], 2) << "one handshake per connection";
  EXPECT_GT(j["timings"]["queued"]["count"].get<int>(), 100) << "every h2 request's queued phase is timed";
  expect_log_matches(srv, j);
}

TEST(LoadgenH2, PriorKnowledgeScenarioKeepsNamesMethodsBodiesAndStatusCodes) {
  Nginx srv;
  const std::string scenario = srv.dir() + "/scenario.json";
  std::ofstream(scenario) << R"({"requests": [
    {"name": "home", "path": "/", "weight": 6},
    {"name": "login", "method": "POST", "path": "/login", "weight": 3, "body": {"user": "a"}},
    {"name": "gone", "path": "/missing", "weight": 1}]})";
  int code = -1;
  std::string err;
  const auto j = run_loadgen(
      {"-H", srv.url("http", 1), "--h2c", "--scenario", scenario, "--streams", "3", "-u", "6", "--max", "-t", "1s"},
      tmp_json("h2c_scenario"), &code, &err);
  ASSERT_FALSE(j.is_null()) << err;
  expect_consistent(j);
  auto e = by_name(j);
  ASSERT_EQ(e.size(), 3u);
  EXPECT_GT(e["home"]["successes"].get<int>(), 50);
  EXPECT_EQ(e["home"]["failures"], 0);
  EXPECT_EQ(e["login"]["method"], "POST");
  EXPECT_GT(e["login"]["successes"].get<int>(), 20);
  EXPECT_EQ(e["gone"]["successes"], 0) << "404 is not a success";
  EXPECT_EQ(e["gone"]["status_codes"]["404"], e["gone"]["failures"]);
  EXPECT_EQ(j["environment"]["http2"]["protocol"], "h2c");
  EXPECT_EQ(j["environment"]["client_io"], "nghttp2-sockets");
  expect_log_matches(srv, j);
  int posts = 0;
  for (const auto& l : srv.log()) posts += l.find(" POST /login 200") != std::string::npos;
  EXPECT_GE(posts, e["login"]["requests"].get<int>());
}

TEST(LoadgenH2, AServerThatDoesNotChooseH2IsRefusedBeforeTheRun) {
  Nginx srv;
  int code = -1;
  std::string err;
  const auto j =
      run_loadgen({"-H", srv.url("https", 2), "--http2", "--cacert", srv.ca(), "-u", "1", "--max", "-t", "1s"},
                  tmp_json("h2_no_alpn"), &code, &err);
  EXPECT_EQ(code, 3) << err;
  EXPECT_NE(err.find("did not choose h2 by ALPN"), std::string::npos) << err;
  EXPECT_TRUE(srv.log().empty()) << "no request was sent";
}

TEST(LoadgenH2, NghttpdWithAndWithoutTls) {
  ScriptServer srv("loadlab_h2_nghttpd_", 2, SIGQUIT);
  const std::string dir = srv.dir();
  std::ofstream(dir + "/index.html") << "hello\n";
  ASSERT_EQ(std::system(("bash -c 'source " + std::string(SOURCE_DIR) + "/scripts/lib/test-cert.sh && make_test_cert " +
                         dir + "' > /dev/null 2>&1")
                            .c_str()),
            0);
  // nghttpd serves one port; the second (TLS) is another process started beside it.
  std::unique_ptr<Process> tls;
  srv.start(
      [&](std::uint16_t port) {
        tls = std::make_unique<Process>(std::vector<std::string>{"/usr/sbin/nghttpd", "-d", dir, std::to_string(port),
                                                                 dir + "/server.key", dir + "/server.pem"});
        return std::vector<std::string>{"/usr/sbin/nghttpd", "--no-tls", "-d", dir, std::to_string(port + 1)};
      },
      "nghttpd did not start (bash scripts/install-deps.sh --test-tools installs nghttp2-server)");
  for (int i = 0; i < 100 && !accepts(srv.port()); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  for (const bool over_tls : {true, false}) {
    int code = -1;
    std::string err;
    std::vector<std::string> args = {
        "-H",        over_tls ? srv.url("https", 0, "/index.html") : srv.url("http", 1, "/index.html"),
        "--streams", "10",
        "-u",        "20",
        "--max",     "-t",
        "1s"};
    if (over_tls)
      args.insert(args.end(), {"--http2", "--cacert", dir + "/ca.pem"});
    else
      args.push_back("--h2c");
    const auto j = run_loadgen(args, tmp_json("h2_nghttpd"), &code, &err);
    EXPECT_EQ(code, 0) << err;
    ASSERT_FALSE(j.is_null()) << err;
    expect_consistent(j);
    EXPECT_GT(j["summary"]["successes"].get<int>(), 100) << over_tls;
    EXPECT_EQ(j["summary"]["failures"], 0) << j["errors"];
    EXPECT_EQ(j["summary"]["bytes_received"].get<std::uint64_t>(), 6 * j["summary"]["successes"].get<std::uint64_t>())
        << "the body's bytes, counted";
    EXPECT_EQ(j["environment"]["http2"]["connections_opened"], 2);
    EXPECT_EQ(j["environment"]["http2"]["max_streams_in_flight"], 10);
  }
  if (tls) tls->signal(SIGTERM);
}

// A hostile run: 4 users on one connection of 4 streams for 1.5 s, a short timeout; it ends on time.
nlohmann::json hostile_run(const H2Peer& peer, std::vector<std::string> extra, const std::string& name) {
  std::vector<std::string> args = {"-H", peer.url(), "--h2c", "--streams", "4",         "-u",
                                   "4",  "--max",    "-t",    "1500ms",    "--timeout", "400ms"};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto t0 = std::chrono::steady_clock::now();
  std::string err;
  auto j = run_loadgen(args, tmp_json(name), nullptr, &err);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(6)) << name << ": the run must end on time";
  EXPECT_FALSE(j.is_null()) << err;
  if (!j.is_null()) expect_consistent(j);
  return j;
}

TEST(LoadgenH2Hostile, OneStreamAtATimeIsHonouredAndTheWaitIsTheQueuedPhase) {
  H2Peer peer(H2Peer::kOneStream);
  const auto j = hostile_run(peer, {}, "h2_one_stream");
  ASSERT_FALSE(j.is_null());
  EXPECT_EQ(j["summary"]["failures"], 0) << j["errors"];
  EXPECT_GT(j["summary"]["successes"].get<int>(), 100);
  EXPECT_EQ(j["environment"]["http2"]["max_streams_in_flight"], 1) << "never beyond the server's limit";
  EXPECT_EQ(j["environment"]["http2"]["server_max_concurrent_streams"], 1);
  // three of the four users wait for each stream: the queued phase is most of a request
  EXPECT_GT(j["timings"]["queued"]["avg_ms"].get<double>(), j["timings"]["waiting"]["avg_ms"].get<double>());
  // no user starves: each of the four got requests through (first come, first served)
  EXPECT_EQ(j["summary"]["users_spawned"], 4);
  // every success was answered by the peer; a request in flight at the stop may not have reached it
  // yet (submitted, not yet written: seen under ASan with both CPUs busy, 2 runs of 6), as the
  // nginx log's bound above (expect_log_matches)
  EXPECT_GE(peer.answered(), j["summary"]["successes"].get<int>());
  EXPECT_LE(peer.answered(), j["summary"]["successes"].get<int>() + j["summary"]["in_flight_at_stop"].get<int>());
}

TEST(LoadgenH2Hostile, GoAwayRefusesTheStreamsAboveItsLastIdAndTheUsersReconnect) {
  H2Peer peer(H2Peer::kGoAway);
  const auto j = hostile_run(peer, {}, "h2_goaway");
  ASSERT_FALSE(j.is_null());
  EXPECT_GT(peer.connections(), 2) << "the users opened a new connection after each GOAWAY";
  EXPECT_GT(j["summary"]["successes"].get<int>(), 10);
  EXPECT_GT(errors_of(j, "h2_refused_stream"), 0u);
  EXPECT_EQ(errors_of(j, "h2_refused_stream"), j["summary"]["failures"].get<std::uint64_t>()) << j["errors"];
  EXPECT_EQ(j["environment"]["http2"]["connections_opened"], peer.connections());
}

TEST(LoadgenH2Hostile, ResetAndRefusedStreamsAreKindsOfTheirOwn) {
  for (const auto mode : {H2Peer::kResetSome, H2Peer::kRefuseSome}) {
    H2Peer peer(mode);
    const auto j = hostile_run(peer, {}, "h2_rst");
    ASSERT_FALSE(j.is_null());
    const char* kind = mode == H2Peer::kResetSome ? "h2_stream_reset" : "h2_refused_stream";
    const auto failures = j["summary"]["failures"].get<std::uint64_t>();
    EXPECT_GT(failures, 10u);
    EXPECT_EQ(errors_of(j, kind), failures) << j["errors"];
    // one in three: the successes are about twice the failures
    EXPECT_NEAR(static_cast<double>(j["summary"]["successes"].get<std::uint64_t>()) / failures, 2.0, 0.2);
    EXPECT_EQ(peer.connections(), 1) << "a stream's reset leaves the connection in use";
  }
}

TEST(LoadgenH2Hostile, GarbageFramesFailTheConnectionsStreamsAsAProtocolError) {
  H2Peer peer(H2Peer::kGarbage);
  const auto j = hostile_run(peer, {}, "h2_garbage");
  ASSERT_FALSE(j.is_null());
  EXPECT_EQ(j["summary"]["successes"], 0);
  EXPECT_GT(errors_of(j, "h2_protocol_error"), 0u);
  EXPECT_EQ(errors_of(j, "h2_protocol_error"), j["summary"]["failures"].get<std::uint64_t>()) << j["errors"];
}

TEST(LoadgenH2Hostile, AWindowThatNeverOpensIsAFlowControlStall) {
  H2Peer peer(H2Peer::kWindowClosed);
  const auto j = hostile_run(peer, {"-X", "POST", "--body", "a body the window never lets through"}, "h2_window");
  ASSERT_FALSE(j.is_null());
  EXPECT_EQ(j["summary"]["successes"], 0);
  EXPECT_GE(errors_of(j, "h2_flow_control_stall"), 4u) << "each user's first request, at least" << j["errors"];
  EXPECT_EQ(errors_of(j, "h2_flow_control_stall"), j["summary"]["failures"].get<std::uint64_t>()) << j["errors"];
}

TEST(LoadgenH2Hostile, AServerThatStopsReadingTimesOutWithoutHanging) {
  H2Peer peer(H2Peer::kStopsReading);
  const std::string body = fs::temp_directory_path() / ("h2_body_" + std::to_string(getpid()));
  std::ofstream(body) << std::string(4 << 20, 'x');
  const auto j = hostile_run(peer, {"-X", "POST", "--body", "@" + body}, "h2_stops_reading");
  fs::remove(body);
  ASSERT_FALSE(j.is_null());
  EXPECT_EQ(j["summary"]["successes"], 0);
  EXPECT_GT(errors_of(j, "read_timeout"), 0u) << j["errors"];
  EXPECT_EQ(errors_of(j, "read_timeout"), j["summary"]["failures"].get<std::uint64_t>()) << j["errors"];
  EXPECT_NE(j["errors"][0]["example"].get<std::string>().find("stopped reading"), std::string::npos) << j["errors"];
}

TEST(LoadgenH2Hostile, NoSettingsFromTheServerIsATimeoutNotAHang) {
  H2Peer peer(H2Peer::kNoSettings);
  const auto j = hostile_run(peer, {}, "h2_no_settings");
  ASSERT_FALSE(j.is_null());
  EXPECT_EQ(j["summary"]["successes"], 0);
  EXPECT_GT(j["summary"]["failures"].get<int>(), 0);
  EXPECT_EQ(errors_of(j, "read_timeout"), j["summary"]["failures"].get<std::uint64_t>()) << j["errors"];
}

TEST(LoadgenH2, FlagMistakesNameTheFlagAndTheFix) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"-H", "http://127.0.0.1:1/", "--http2"}, "--http2: h2 is chosen by ALPN"},
      {{"-H", "https://127.0.0.1:1/", "--h2c"}, "--h2c: HTTP/2 over plain TCP"},
      {{"-H", "http://127.0.0.1:1/", "--streams", "4"}, "--streams: goes with --http2 or --h2c"},
      {{"-H", "http://127.0.0.1:1/", "--h2c", "--streams", "0"}, "--streams: must be 1..1000"},
      {{"-H", "http://127.0.0.1:1/", "--h2c", "--h2-window", "31"}, "--h2-window: must be 16..30"},
      {{"-H", "http://127.0.0.1:1/", "--h2c", "--client-io", "uring"}, "--client-io uring: HTTP/2 runs on sockets"},
  };
  for (const auto& [args, message] : cases) {
    int code = -1;
    std::string err;
    run_loadgen(args, tmp_json("h2_flags"), &code, &err);
    EXPECT_EQ(code, 2) << err;
    EXPECT_NE(err.find(message), std::string::npos) << err;
  }
}

}  // namespace
