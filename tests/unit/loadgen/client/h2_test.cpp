// HTTP/2's pieces without a network: a request's HTTP/2 form from its HTTP/1.1 bytes, and the
// session's honest parts (no stream before the server's SETTINGS or beyond its stream limit,
// a GOAWAY's refused streams) fed frames written by hand.
#include <gtest/gtest.h>

#include <string>

#include "loadgen/client/h2/request.h"
#include "loadgen/client/h2/session.h"
#include "loadgen/workload/request_spec.h"

namespace lab {
namespace {

std::string u32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}
std::string frame(std::uint8_t type, std::uint8_t flags, std::uint32_t stream, const std::string& payload) {
  const auto n = static_cast<std::uint32_t>(payload.size());
  return std::string{static_cast<char>(n >> 16), static_cast<char>(n >> 8), static_cast<char>(n),
                     static_cast<char>(type), static_cast<char>(flags)} +
         u32(stream) + payload;
}
std::string settings(const std::string& entries = "") { return frame(4, 0, 0, entries); }
std::string max_streams(std::uint32_t n) { return std::string("\0\3", 2) + u32(n); }
std::string ok_reply(std::uint32_t stream) { return frame(1, 5, stream, "\x88"); }  // :status 200, END_STREAM

struct Sink final : StreamSink {
  int status = 0, closes = 0;
  bool began = false, complete = false;
  std::uint32_t code = 0;
  std::size_t bytes = 0;
  void on_response_begin() override { began = true; }
  void on_status(int c) override { status = c; }
  void on_data(std::size_t n) override { bytes += n; }
  void on_close(bool done, std::uint32_t c) override {
    ++closes;
    complete = done;
    code = c;
  }
};

H2Request get() {
  H2Request r;
  r.fields = {{":method", "GET"}, {":scheme", "http"}, {":authority", "x"}, {":path", "/"}};
  return r;
}

TEST(H2Request, TheHttp11BytesBecomePseudoHeadersWithoutTheConnectionsFields) {
  Url u;
  std::string err;
  auto url = parse_url("http://example.test:8080/a?b=1", err);
  ASSERT_TRUE(url) << err;
  RequestSpec spec;
  spec.method = "POST";
  spec.headers = {{"X-Token", "t"}, {"Connection", "keep-alive"}};
  spec.body = "{\"a\":1}";
  const std::string wire = build_request(*url, spec, true);
  auto r = h2_request(wire, "http", err);
  ASSERT_TRUE(r) << err;
  ASSERT_GE(r->fields.size(), 4u);
  EXPECT_EQ(r->fields[0], (std::pair<std::string, std::string>{":method", "POST"}));
  EXPECT_EQ(r->fields[1], (std::pair<std::string, std::string>{":scheme", "http"}));
  EXPECT_EQ(r->fields[2], (std::pair<std::string, std::string>{":authority", "example.test:8080"}));
  EXPECT_EQ(r->fields[3], (std::pair<std::string, std::string>{":path", "/a?b=1"}));
  bool token = false;
  for (const auto& [k, v] : r->fields) {
    EXPECT_NE(k, "connection");
    EXPECT_NE(k, "host");
    EXPECT_EQ(k, [&] {
      std::string l = k;
      for (auto& ch : l) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      return l;
    }()) << "field names are lower case in HTTP/2";
    token = token || (k == "x-token" && v == "t");
  }
  EXPECT_TRUE(token);
  EXPECT_EQ(r->body, "{\"a\":1}");
}

TEST(H2Request, BytesThatAreNotARequestAreRefused) {
  std::string err;
  EXPECT_FALSE(h2_request("GET / HTTP/1.1\r\nHost: x\r\n", "http", err));
  EXPECT_NE(err.find("end of the request's head"), std::string::npos) << err;
}

TEST(H2Session, NoStreamBeforeTheServersSettingsNorBeyondItsLimit) {
  H2Session s({});
  std::string out, err;
  ASSERT_TRUE(s.take_output(out, err)) << err;
  EXPECT_EQ(out.rfind("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 0), 0u) << "the client's preface first";
  EXPECT_FALSE(s.can_submit(4)) << "before the server's SETTINGS: nghttp2 would assume 100 streams";
  const std::string in = settings(max_streams(2));
  ASSERT_TRUE(s.receive(in.data(), in.size(), err)) << err;
  EXPECT_TRUE(s.settings_received());
  EXPECT_EQ(s.server_max_streams(), 2u);
  Sink a, b;
  EXPECT_TRUE(s.can_submit(4));
  EXPECT_EQ(s.submit(get(), &a, err), 1);
  EXPECT_TRUE(s.can_submit(4));
  EXPECT_EQ(s.submit(get(), &b, err), 3);
  EXPECT_FALSE(s.can_submit(4)) << "two open: the server's limit";
  EXPECT_FALSE(s.can_submit(1)) << "and the client's own (--streams)";
  ASSERT_TRUE(s.take_output(out, err)) << err;  // (the requests go out)
  const std::string reply = ok_reply(1);
  ASSERT_TRUE(s.receive(reply.data(), reply.size(), err)) << err;
  EXPECT_EQ(a.closes, 1);
  EXPECT_TRUE(a.began);
  EXPECT_TRUE(a.complete);
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(s.open_streams(), 1);
  EXPECT_TRUE(s.can_submit(4));
}

TEST(H2Session, GoAwayRefusesTheStreamsAboveItsLastIdAndNoStreamStartsAfterIt) {
  H2Session s({});
  std::string out, err;
  const std::string hello = settings();
  ASSERT_TRUE(s.receive(hello.data(), hello.size(), err)) << err;
  Sink a, b;
  ASSERT_EQ(s.submit(get(), &a, err), 1);
  ASSERT_EQ(s.submit(get(), &b, err), 3);
  ASSERT_TRUE(s.take_output(out, err)) << err;
  const std::string goaway = frame(7, 0, 0, u32(1) + u32(0)) + ok_reply(1);
  ASSERT_TRUE(s.receive(goaway.data(), goaway.size(), err)) << err;
  EXPECT_TRUE(s.goaway_received());
  EXPECT_FALSE(s.can_submit(4));
  EXPECT_EQ(b.closes, 1);
  EXPECT_FALSE(b.complete);
  EXPECT_EQ(b.code, 7u) << "REFUSED_STREAM: not processed, retryable";
  EXPECT_TRUE(a.complete) << "the stream at the last id goes on";
}

TEST(H2Session, AResetStreamReportsItsCodeAndACancelledOneNothing) {
  H2Session s({});
  std::string out, err;
  const std::string hello = settings();
  ASSERT_TRUE(s.receive(hello.data(), hello.size(), err)) << err;
  Sink a, b;
  ASSERT_EQ(s.submit(get(), &a, err), 1);
  ASSERT_EQ(s.submit(get(), &b, err), 3);
  ASSERT_TRUE(s.take_output(out, err)) << err;
  s.cancel(3);
  const std::string rst = frame(3, 0, 1, u32(2)) + ok_reply(3);
  ASSERT_TRUE(s.receive(rst.data(), rst.size(), err)) << err;
  EXPECT_EQ(a.closes, 1);
  EXPECT_FALSE(a.complete);
  EXPECT_EQ(a.code, 2u) << "INTERNAL_ERROR";
  EXPECT_EQ(b.closes, 0) << "a cancelled stream's sink hears nothing more";
}

TEST(H2Session, AConnectionErrorEndsTheSessionWithItsReason) {
  H2Session s({});
  std::string out, err;
  const std::string bad = settings() + frame(0, 0, 0, "junk");  // DATA on stream 0
  ASSERT_TRUE(s.receive(bad.data(), bad.size(), err)) << err;
  ASSERT_TRUE(s.take_output(out, err)) << err;
  EXPECT_TRUE(s.finished());
  EXPECT_NE(s.last_error().find("PROTOCOL_ERROR"), std::string::npos) << s.last_error();
}

}  // namespace
}  // namespace lab
