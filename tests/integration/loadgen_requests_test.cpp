// What loadgen puts on the wire for real targets: names resolved, IPv6, the Host header as
// typed, query strings kept and fragments dropped, methods, headers and bodies, on keep-alive
// connections and with a new connection per request. A recording server keeps every request.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/loadgen_run.h"
#include "tests/support/recording_server.h"

using namespace labtest;

namespace {

std::string host_url(const std::string& host, std::uint16_t port, const std::string& rest = "/") {
  return "http://" + host + ":" + std::to_string(port) + rest;
}

void expect_every_request(const RecordingServer& s, const std::string& expected, std::size_t at_least) {
  const auto reqs = s.requests();
  ASSERT_GE(reqs.size(), at_least);
  for (const auto& r : reqs) ASSERT_EQ(r, expected);
}

TEST(LoadgenRequests, NameResolvedHostHeaderAsTypedQueryKeptFragmentDropped) {
  RecordingServer s;
  int code = -1;
  std::string err;
  const auto j = run_loadgen({"-H", host_url("LocalHost", s.port(), "/a b?x=1#frag"), "-t", "1s", "--rate", "20"},
                             tmp_json("names"), &code, &err);
  EXPECT_EQ(code, 0) << err;
  ASSERT_FALSE(j.is_null());
  expect_consistent(j);
  EXPECT_GT(j["summary"]["successes"].get<int>(), 5);
  const auto reqs = s.requests();
  ASSERT_FALSE(reqs.empty());
  EXPECT_EQ(reqs[0].rfind("GET /a%20b?x=1 HTTP/1.1\r\nHost: LocalHost:" + std::to_string(s.port()) + "\r\n", 0), 0u)
      << reqs[0];
  EXPECT_EQ(j["environment"]["target_addresses"][0], "127.0.0.1:" + std::to_string(s.port()))
      << "the resolved addresses are recorded: " << j["environment"].dump();
  EXPECT_EQ(j["environment"]["client_io"], expected_client_io()) << "the run names its I/O path";
}

TEST(LoadgenRequests, Ipv6Literal) {
  RecordingServer s(/*ipv6=*/true);
  int code = -1;
  std::string err;
  const auto j =
      run_loadgen({"-H", host_url("[::1]", s.port()), "-t", "1s", "--rate", "20"}, tmp_json("v6"), &code, &err);
  EXPECT_EQ(code, 0) << err;
  ASSERT_FALSE(j.is_null());
  EXPECT_GT(j["summary"]["successes"].get<int>(), 5);
  ASSERT_FALSE(s.requests().empty());
  EXPECT_NE(s.requests()[0].find("\r\nHost: [::1]:" + std::to_string(s.port()) + "\r\n"), std::string::npos);
}

// The same POST with its body and headers, request after request, on one kept-alive connection
// and with a new connection each time.
TEST(LoadgenRequests, PostWithHeadersAndBodyOnKeepAliveAndNewConnections) {
  const std::string body_file = tmp_json("body") + ".txt";
  { std::ofstream(body_file) << "{\"name\": \"lab\"}"; }
  for (bool keepalive : {true, false}) {
    SCOPED_TRACE(keepalive ? "keep-alive" : "new connection per request");
    RecordingServer s;
    std::vector<std::string> args = {"-H",
                                     host_url("127.0.0.1", s.port(), "/items"),
                                     "-t",
                                     "1s",
                                     "--max",
                                     "-X",
                                     "POST",
                                     "--header",
                                     "Content-Type: application/json",
                                     "--header",
                                     "X-Trace: 7",
                                     "--body",
                                     "@" + body_file};
    if (keepalive) args.push_back("--keepalive");
    int code = -1;
    std::string err;
    const auto j = run_loadgen(args, tmp_json("post"), &code, &err);
    EXPECT_EQ(code, 0) << err;
    ASSERT_FALSE(j.is_null());
    expect_consistent(j);
    EXPECT_EQ(j["workload"]["method"], "POST");
    EXPECT_EQ(j["workload"]["body_bytes"], 15);
    const std::string expected = "POST /items HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(s.port()) +
                                 "\r\nUser-Agent: loadlab-loadgen/" LAB_VERSION
                                 "\r\nAccept: */*\r\nContent-Type: application/json\r\nX-Trace: 7\r\n"
                                 "Content-Length: 15\r\n" +
                                 std::string(keepalive ? "" : "Connection: close\r\n") + "\r\n{\"name\": \"lab\"}";
    expect_every_request(s, expected, 50);
    if (keepalive)
      EXPECT_EQ(s.connections(), 1);
    else
      EXPECT_GE(static_cast<std::size_t>(s.connections()), s.requests().size());
  }
  std::remove(body_file.c_str());
}

TEST(LoadgenRequests, HeadResponsesHaveNoBody) {
  RecordingServer s;
  int code = -1;
  std::string err;
  const auto j = run_loadgen({"-H", url(s.port()), "-t", "1s", "--max", "--keepalive", "-X", "HEAD"}, tmp_json("head"),
                             &code, &err);
  EXPECT_EQ(code, 0) << err;
  ASSERT_FALSE(j.is_null());
  EXPECT_EQ(j["summary"]["failures"], 0) << j["errors"].dump();
  EXPECT_GT(j["summary"]["successes"].get<int>(), 50);
}

TEST(LoadgenRequests, MistakesNameTheFlag) {
  struct Bad {
    std::vector<std::string> args;
    const char* says;
  };
  const Bad cases[] = {
      {{"-H", "http://127.0.0.1:1/", "-X", "GET /"}, "--method"},
      {{"-H", "http://127.0.0.1:1/", "--header", "nocolon"}, "--header"},
      {{"-H", "http://127.0.0.1:1/", "--header", "Content-Length: 3"}, "--body"},
      {{"-H", "http://127.0.0.1:1/", "--body", "@/nonexistent/body"}, "--body"},
      {{"-H", "http://127.0.0.1:1/", "--addresses", "random"}, "--addresses"},
      {{"-H", "http://no-such-host.invalid:1/"}, "cannot resolve"},
      {{"-H", "127.0.0.1:8080"}, "http://"},
  };
  for (const auto& c : cases) {
    int code = -1;
    std::string err;
    auto args = c.args;
    args.insert(args.end(), {"-t", "1s"});
    run_loadgen(args, tmp_json("bad"), &code, &err);
    EXPECT_NE(code, 0) << c.args[2];
    EXPECT_NE(err.find(c.says), std::string::npos) << err;
  }
}

}  // namespace
