// loadgen against a real HTTPS server (nginx with a certificate made by the test, see
// tests/support/https_nginx.sh): certificate and name checks, SNI, session resumption on
// reconnect (and its switch), the TLS phase timed apart, a weighted scenario of GETs and POSTs
// with statistics per name, and a TLS failure classified and explained.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "tests/support/loadgen_run.h"
#include "tests/support/process.h"
#include "tests/support/script_server.h"
#include "tests/support/tls_server.h"
#include "tests/support/recording_server.h"

using namespace labtest;
namespace fs = std::filesystem;

namespace {

// nginx on 127.0.0.1:PORT and 127.0.0.2:PORT with a certificate for localhost and 127.0.0.1.
struct HttpsServer : ScriptServer {
  HttpsServer() : ScriptServer("loadlab_https_", 1, SIGQUIT) {
    start(
        [this](std::uint16_t port) {
          return std::vector<std::string>{"/bin/bash", std::string(SOURCE_DIR) + "/tests/support/https_nginx.sh", dir(),
                                          std::to_string(port)};
        },
        "nginx did not start (bash scripts/install-deps.sh --test-tools installs it)");
  }
  std::string url(const std::string& host = "localhost", const std::string& path = "/") const {
    return "https://" + host + ":" + std::to_string(port()) + path;
  }
  std::string ca() const { return dir() + "/ca.pem"; }
};

std::map<std::string, nlohmann::json> by_name(const nlohmann::json& j) {
  std::map<std::string, nlohmann::json> m;
  for (const auto& e : j["endpoints"]) m[e["name"]] = e;
  return m;
}

// The issue's "done when": an HTTPS application by name, a weighted scenario of GETs and POSTs,
// statistics per endpoint.
TEST(LoadgenHttps, WeightedScenarioOfGetsAndPostsByNameWithStatisticsPerEndpoint) {
  HttpsServer srv;
  const std::string scenario = srv.dir() + "/scenario.json";
  std::ofstream(scenario) << R"({"requests": [
    {"name": "home", "path": "/", "weight": 6},
    {"name": "login", "method": "POST", "path": "/login", "weight": 3, "body": {"user": "a"}},
    {"name": "gone", "path": "/missing", "weight": 1}]})";
  int code = -1;
  std::string err;
  const auto j = run_loadgen(
      {"-H", srv.url(), "--cacert", srv.ca(), "--scenario", scenario, "-u", "4", "--max", "--keepalive", "-t", "1s"},
      tmp_json("https_scenario"), &code, &err);
  EXPECT_EQ(code, 0) << err;
  ASSERT_FALSE(j.is_null()) << err;
  expect_consistent(j);
  auto e = by_name(j);
  ASSERT_EQ(e.size(), 3u);
  EXPECT_GT(e["home"]["successes"].get<int>(), 50);
  EXPECT_EQ(e["home"]["failures"], 0);
  EXPECT_EQ(e["login"]["method"], "POST");
  EXPECT_GT(e["login"]["successes"].get<int>(), 20);
  EXPECT_EQ(e["gone"]["successes"], 0) << "404 is not a success";
  EXPECT_GT(e["gone"]["failures"].get<int>(), 0);
  EXPECT_EQ(e["gone"]["status_codes"]["404"], e["gone"]["failures"]);
  ASSERT_EQ(e["gone"]["errors"].size(), 1u);
  EXPECT_EQ(e["gone"]["errors"][0]["kind"], "http_404");
  EXPECT_EQ(e["home"]["errors"].size(), 0u);
  EXPECT_EQ(j["environment"]["client_io"], "openssl-socket-bio") << "the run names its I/O path";
  // One handshake per connection (keep-alive), timed on its own (404s too: a complete response).
  EXPECT_EQ(j["timings"]["tls"]["count"], 4);
  EXPECT_EQ(j["timings"]["connect"]["count"], 4);
  EXPECT_GT(j["timings"]["tls"]["avg_ms"].get<double>(), 0);
  // SNI named the host; the server saw the POSTs.
  int posts = 0;
  for (const auto& line : srv.log()) {
    EXPECT_EQ(line.substr(2, 10), "localhost ") << line;
    posts += line.find(" POST /login") != std::string::npos;
  }
  EXPECT_GE(posts, e["login"]["requests"].get<int>());
  EXPECT_LE(posts, e["login"]["requests"].get<int>() + 4) << "at most one in flight per user at the end";
}

TEST(LoadgenHttps, NewConnectionsResumeTheirSessionUnlessTurnedOff) {
  HttpsServer srv;
  for (const bool resume : {true, false}) {
    srv.clear_log();
    int code = -1;
    std::string err;
    std::vector<std::string> args = {"-H", srv.url(), "--cacert", srv.ca(), "-u", "2", "--max", "-t", "1s"};
    if (!resume) args.insert(args.end(), {"--tls-resume", "off"});
    const auto j = run_loadgen(args, tmp_json("https_resume"), &code, &err);
    EXPECT_EQ(code, 0) << err;
    ASSERT_FALSE(j.is_null()) << err;
    expect_consistent(j);
    const auto n = j["summary"]["successes"].get<std::size_t>();
    ASSERT_GT(n, 20u);
    EXPECT_EQ(j["timings"]["tls"]["count"].get<std::size_t>(), n) << "a handshake per request";
    std::size_t reused = 0, lines = 0;
    for (const auto& line : srv.log()) {
      ++lines;
      reused += line[0] == 'r';
    }
    EXPECT_GE(lines, n);
    if (resume)  // all but each user's first connection (and one cut off at the end)
      EXPECT_GE(reused, lines - 4) << "sessions resumed: " << reused << " of " << lines;
    else
      EXPECT_EQ(reused, 0u) << "--tls-resume off: every handshake is a full one";
  }
}

TEST(LoadgenHttps, CertificateChecksFailClearlyAndInsecureSkipsThem) {
  HttpsServer srv;
  int code = -1;
  std::string err;
  // The system does not trust the test's CA.
  auto j = run_loadgen({"-H", srv.url(), "-u", "1", "--max", "-t", "3s"}, tmp_json("https_untrusted"), &code, &err);
  EXPECT_EQ(code, 5) << err;
  ASSERT_FALSE(j.is_null());
  EXPECT_EQ(j["status"], "failed");
  EXPECT_GT(errors_of(j, "tls_handshake"), 0u);
  EXPECT_NE(j["errors"][0]["example"].get<std::string>().find("certificate"), std::string::npos) << j["errors"];
  EXPECT_NE(j["errors"][0]["example"].get<std::string>().find("--cacert"), std::string::npos) << j["errors"];
  // 127.0.0.2 is not in the certificate, though its CA is trusted.
  j = run_loadgen({"-H", srv.url("127.0.0.2"), "--cacert", srv.ca(), "-u", "1", "--max", "-t", "3s"},
                  tmp_json("https_name"), &code, &err);
  EXPECT_EQ(code, 5) << err;
  ASSERT_FALSE(j.is_null());
  EXPECT_GT(errors_of(j, "tls_handshake"), 0u);
  EXPECT_NE(j["errors"][0]["example"].get<std::string>().find("mismatch"), std::string::npos) << j["errors"];
  // --insecure accepts both; the IP literal sends no SNI (RFC 6066).
  srv.clear_log();
  j = run_loadgen({"-H", srv.url("127.0.0.2"), "--insecure", "-u", "1", "--max", "-t", "1s"}, tmp_json("https_k"),
                  &code, &err);
  EXPECT_EQ(code, 0) << err;
  ASSERT_FALSE(j.is_null());
  EXPECT_GT(j["summary"]["successes"].get<int>(), 10);
  ASSERT_FALSE(srv.log().empty());
  EXPECT_EQ(srv.log()[0].substr(0, 4), ". - ") << srv.log()[0];
  // The certificate's IP address is accepted for an IP literal.
  j = run_loadgen({"-H", srv.url("127.0.0.1"), "--cacert", srv.ca(), "-u", "1", "--max", "-t", "1s"},
                  tmp_json("https_ip"), &code, &err);
  EXPECT_EQ(code, 0) << err;
}

TEST(LoadgenHttps, LargeResponsesAcrossManyRecords) {
  HttpsServer srv;
  int code = -1;
  std::string err;
  const auto j = run_loadgen(
      {"-H", srv.url("localhost", "/big"), "--cacert", srv.ca(), "-u", "2", "--max", "--keepalive", "-t", "1s"},
      tmp_json("https_big"), &code, &err);
  EXPECT_EQ(code, 0) << err;
  ASSERT_FALSE(j.is_null());
  expect_consistent(j);
  const auto ok = j["summary"]["successes"].get<std::uint64_t>();
  ASSERT_GT(ok, 10u);
  EXPECT_EQ(j["summary"]["bytes_received"].get<std::uint64_t>(), ok * 100000);
}

// A server that accepts and never answers the ClientHello: the handshake times out, classified,
// within the run (the timeout sweep cancels a handshake as it cancels a read).
TEST(LoadgenHttps, StalledHandshakeTimesOut) {
  RecordingServer silent;  // waits for an HTTP head that never comes
  int code = -1;
  std::string err;
  const auto j = run_loadgen({"-H", "https://127.0.0.1:" + std::to_string(silent.port()) + "/", "--insecure", "-u", "2",
                              "--max", "--timeout", "300ms", "-t", "2s", "--abort-after", "0"},
                             tmp_json("https_stall"), &code, &err);
  EXPECT_EQ(code, 5) << err;
  ASSERT_FALSE(j.is_null());
  EXPECT_GE(errors_of(j, "connect_timeout"), 4u) << j["errors"];
  EXPECT_NE(j["errors"][0]["example"].get<std::string>().find("TLS handshake timed out"), std::string::npos);
}

TEST(LoadgenHttps, PlainServerIsAHandshakeFailureAndTlsFlagsNeedHttps) {
  ServerProcess plain("epoll");  // the original reply: plain text where a TLS record belongs
  int code = -1;
  std::string err;
  const auto j = run_loadgen(
      {"-H", "https://127.0.0.1:" + std::to_string(plain.port()) + "/", "--insecure", "-u", "1", "--max", "-t", "3s"},
      tmp_json("https_plain"), &code, &err);
  EXPECT_EQ(code, 5) << err;
  ASSERT_FALSE(j.is_null());
  EXPECT_GT(errors_of(j, "tls_handshake"), 0u) << j["errors"];
  for (const char* flag : {"--insecure", "--cacert"}) {
    std::vector<std::string> args = {"-H", url(plain.port()), flag};
    if (std::string(flag) == "--cacert") args.push_back("/tmp/ca.pem");
    args.insert(args.end(), {"-t", "1s"});
    run_loadgen(args, tmp_json("flag"), &code, &err);
    EXPECT_EQ(code, 2) << flag;
    EXPECT_NE(err.find(std::string(flag) + ": only for https:// targets"), std::string::npos) << err;
  }
  run_loadgen({"-H", "https://127.0.0.1:1/", "--cacert", "/nonexistent.pem", "-t", "1s"}, tmp_json("flag"), &code,
              &err);
  EXPECT_EQ(code, 3) << "preflight refuses it";
  EXPECT_NE(err.find("--cacert: cannot load '/nonexistent.pem'"), std::string::npos) << err;
}

}  // namespace

// A TLS stream cut without close_notify cannot end a body that runs to the close: it may have
// been truncated (RFC 8446 6.1). It was accepted as the end of the response.
TEST(LoadgenHttps, ACutTlsStreamDoesNotEndACloseDelimitedBody) {
  TlsServer cut(false), clean(true);
  ASSERT_TRUE(cut.ok() && clean.ok()) << "the test certificate could not be made (openssl)";
  int code = -1;
  auto j = run_loadgen(
      {"-H", "https://127.0.0.1:" + std::to_string(cut.port()) + "/", "--insecure", "-u", "1", "-t", "1s", "--max"},
      tmp_json("tls-cut"), &code);
  expect_consistent(j);
  EXPECT_EQ(j["summary"]["successes"], 0) << j.dump().substr(0, 500);
  ASSERT_FALSE(j["errors"].empty());
  EXPECT_EQ(j["errors"][0]["kind"], "bad_response");
  EXPECT_NE(j["errors"][0]["example"].get<std::string>().find("without close_notify"), std::string::npos)
      << j["errors"][0];
  auto ok = run_loadgen(
      {"-H", "https://127.0.0.1:" + std::to_string(clean.port()) + "/", "--insecure", "-u", "1", "-t", "1s", "--max"},
      tmp_json("tls-clean"), &code);
  expect_consistent(ok);
  EXPECT_EQ(code, 0);
  EXPECT_EQ(ok["summary"]["failures"], 0) << ok["errors"].dump();
  EXPECT_GT(ok["summary"]["successes"].get<int>(), 5);
}
