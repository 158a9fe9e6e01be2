// loadgen's response parser: close-delimited, Content-Length and chunked bodies at every split,
// interim responses, bounded heads, errors classified.
#include <gtest/gtest.h>

#include <string>

#include "common/http/reply.h"
#include "common/http/response_parser.h"

using lab::ResponseError;
using lab::ResponseParser;
using Status = lab::ResponseParser::Status;

namespace {

struct Parsed {
  Status status;
  ResponseError error;
  int code;
  std::string body;
  bool keep_alive;
  std::size_t leftover;
};

// Feeds `text` in chunks of `chunk` bytes; calls on_eof at the end if `eof`.
Parsed run(const std::string& text, std::size_t chunk, bool eof) {
  ResponseParser p;
  std::string body;
  p.set_body_sink(&body);
  std::size_t used_total = 0;
  for (std::size_t i = 0; i < text.size() && p.status() == Status::kIncomplete; i += chunk) {
    std::string piece = text.substr(i, chunk);
    used_total += p.feed(piece.data(), piece.size());
  }
  if (eof) p.on_eof();
  return {p.status(), p.error(), p.status_code(), body, p.keep_alive(), text.size() - used_total};
}

}  // namespace

TEST(ResponseParser, SeedReplyIsCloseDelimitedWithBareLf) {
  std::string reply;
  lab::append_seed_reply(reply, "GET / HTTP/1.1\r\n\r\n");
  for (std::size_t chunk = 1; chunk <= reply.size(); ++chunk) {
    Parsed before_eof = run(reply, chunk, false);
    EXPECT_EQ(before_eof.status, Status::kIncomplete) << chunk;
    Parsed p = run(reply, chunk, true);
    ASSERT_EQ(p.status, Status::kComplete) << chunk;
    EXPECT_EQ(p.code, 200);
    EXPECT_EQ(p.body, "GET / HTTP/1.1\r\n\r\n");
    EXPECT_FALSE(p.keep_alive);
  }
}

TEST(ResponseParser, ContentLengthAtEverySplit) {
  std::string reply;
  lab::append_http11_reply(reply, "hello world", true);
  for (std::size_t chunk = 1; chunk <= reply.size(); ++chunk) {
    Parsed p = run(reply, chunk, false);
    ASSERT_EQ(p.status, Status::kComplete) << chunk;
    EXPECT_EQ(p.body, "hello world");
    EXPECT_TRUE(p.keep_alive);
  }
}

TEST(ResponseParser, KeepAliveLeavesTheNextResponseUnconsumed) {
  std::string two;
  lab::append_http11_reply(two, "a", true);
  const std::size_t first = two.size();
  lab::append_http11_reply(two, "bb", false);
  ResponseParser p;
  std::size_t used = p.feed(two.data(), two.size());
  ASSERT_EQ(p.status(), Status::kComplete);
  EXPECT_EQ(used, first);
  p.reset();
  used = p.feed(two.data() + first, two.size() - first);
  ASSERT_EQ(p.status(), Status::kComplete);
  EXPECT_FALSE(p.keep_alive());
  EXPECT_EQ(p.body_bytes(), 2u);
}

TEST(ResponseParser, ChunkedBodiesAtEverySplit) {
  const std::string r =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n";
  for (std::size_t chunk = 1; chunk <= r.size(); ++chunk) {
    Parsed p = run(r, chunk, false);
    ASSERT_EQ(p.status, Status::kComplete) << chunk;
    EXPECT_EQ(p.body, "hello world");
    EXPECT_EQ(p.leftover, 0u);
  }
}

TEST(ResponseParser, ErrorsAreClassified) {
  EXPECT_EQ(run("garbage\r\n\r\n", 3, false).error, ResponseError::kBadStatusLine);
  EXPECT_EQ(run("HTTP/1.1 2x0 OK\r\n\r\n", 3, false).error, ResponseError::kBadStatusLine);
  EXPECT_EQ(run("HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", 3, false).error, ResponseError::kBadHeader);
  EXPECT_EQ(run("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", 3, false).error, ResponseError::kBadLength);
  EXPECT_EQ(run("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 3, false).error,
            ResponseError::kBadChunk);
  EXPECT_EQ(run("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 3, true).error, ResponseError::kTruncated);
  EXPECT_EQ(run("HTTP/1.1 200 OK\r\nX: " + std::string(10000, 'a'), 512, false).error, ResponseError::kHeadTooLarge);
  Parsed eof_in_head = run("HTTP/1.1 200 OK\r\n", 4, true);
  EXPECT_EQ(eof_in_head.status, Status::kError);
  EXPECT_EQ(eof_in_head.error, ResponseError::kTruncated);
}

TEST(ResponseParser, InterimResponsesAreSkipped) {
  const std::string reply =
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  for (std::size_t chunk = 1; chunk <= reply.size(); ++chunk) {
    Parsed p = run(reply, chunk, false);
    ASSERT_EQ(p.status, Status::kComplete) << chunk;
    EXPECT_EQ(p.code, 200);
    EXPECT_EQ(p.body, "ok");
    EXPECT_EQ(p.leftover, 0u);
  }
  Parsed upgrade = run("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n", 5, false);
  EXPECT_EQ(upgrade.status, Status::kComplete) << "101 is final";
  EXPECT_EQ(upgrade.code, 101);
}

TEST(ResponseParser, HeadsAndTrailersAreBounded) {
  std::string endless_head = "HTTP/1.1 200 OK\r\n";
  while (endless_head.size() < 200000) endless_head += "X-A: " + std::string(90, 'a') + "\r\n";
  EXPECT_EQ(run(endless_head, 4096, false).error, ResponseError::kHeadTooLarge);
  std::string interims;
  while (interims.size() < 200000) interims += "HTTP/1.1 100 Continue\r\n\r\n";
  EXPECT_EQ(run(interims, 4096, false).error, ResponseError::kHeadTooLarge);
  std::string trailers = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n";
  while (trailers.size() < 200000) trailers += "X-T: " + std::string(90, 't') + "\r\n";
  EXPECT_EQ(run(trailers, 4096, false).error, ResponseError::kTrailersTooLarge);
  // Within the bounds, both complete.
  std::string fine = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n";
  for (int i = 0; i < 100; ++i) fine += "X-H: " + std::string(90, 'h') + "\r\n";
  fine += "\r\n1\r\na\r\n0\r\n";
  for (int i = 0; i < 100; ++i) fine += "X-T: " + std::string(90, 't') + "\r\n";
  fine += "\r\n";
  EXPECT_EQ(run(fine, 4096, false).status, Status::kComplete);
  EXPECT_EQ(
      run("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + std::string(21, 'f') + "\r\n", 7, false).error,
      ResponseError::kBadChunk)
      << "a chunk size that overflows 64 bits";
}

TEST(ResponseParser, ErrorStatusAndBodylessReplies) {
  std::string r;
  lab::append_error_reply(r, 503);
  Parsed p = run(r, 7, false);
  ASSERT_EQ(p.status, Status::kComplete);
  EXPECT_EQ(p.code, 503);
  EXPECT_FALSE(p.keep_alive);
  Parsed nc = run("HTTP/1.1 204 No Content\r\n\r\n", 2, false);
  EXPECT_EQ(nc.status, Status::kComplete);
}

TEST(ResponseParser, BinaryGarbageNeverCrashes) {
  for (int seed = 0; seed < 200; ++seed) {
    std::string junk;
    unsigned x = static_cast<unsigned>(seed) * 2654435761u + 1;
    for (int i = 0; i < 600; ++i) {
      x = x * 1103515245u + 12345u;
      junk.push_back(static_cast<char>(x >> 16));
    }
    if (seed % 2) junk = "HTTP/1.1 200 OK\r\n" + junk;
    Parsed p = run(junk, static_cast<std::size_t>(seed % 13 + 1), true);
    EXPECT_NE(p.status, Status::kIncomplete);
  }
}

TEST(ResponseParser, ACaptureKeepsTheFinalHeadersAndTheBodyUpToItsBound) {
  const std::string text =
      "HTTP/1.1 100 Continue\r\nX-Interim: 1\r\n\r\n"
      "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n";
  for (std::size_t chunk = 1; chunk <= text.size(); chunk += 7) {
    lab::ResponseCapture c;
    c.keep_body = true;
    c.max_body = 8;
    ResponseParser p;
    p.set_capture(&c);
    for (std::size_t i = 0; i < text.size(); i += chunk) p.feed(text.data() + i, std::min(chunk, text.size() - i));
    ASSERT_EQ(p.status(), Status::kComplete) << chunk;
    ASSERT_EQ(c.header_count, 3u) << "the final response's headers, not the interim's nor the trailers";
    EXPECT_EQ(c.headers[0], (std::pair<std::string, std::string>{"Set-Cookie", "a=1"}));
    EXPECT_EQ(*c.header("set-cookie"), "a=1") << "the first of a name, any case";
    EXPECT_EQ(c.header("X-Interim"), nullptr);
    EXPECT_EQ(c.body, "hello wo") << "cut at max_body";
    EXPECT_TRUE(c.body_over);
    EXPECT_EQ(p.body_bytes(), 11u) << "the rest counted";
    p.reset();  // the next response on the connection starts from an empty capture
    EXPECT_EQ(c.header_count, 0u);
    EXPECT_EQ(c.body, "");
    EXPECT_FALSE(c.body_over);
  }
}

TEST(ResponseParser, ACaptureForAJarKeepsSetCookieOnly) {
  lab::ResponseCapture c;
  c.cookies_only = true;
  ResponseParser p;
  p.set_capture(&c);
  const std::string text = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nset-cookie: a=1\r\nX-A: 1\r\n\r\n";
  p.feed(text.data(), text.size());
  ASSERT_EQ(p.status(), Status::kComplete);
  ASSERT_EQ(c.header_count, 1u);
  EXPECT_EQ(c.headers[0].second, "a=1");
}

TEST(ResponseParser, ACaptureWithoutBodyKeepsHeadersOnly) {
  lab::ResponseCapture c;
  c.body = "stale";
  ResponseParser p;
  p.set_capture(&c);  // setting it clears what an earlier response left
  const std::string text = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX-A: 1\r\n\r\nabc";
  p.feed(text.data(), text.size());
  ASSERT_EQ(p.status(), Status::kComplete);
  EXPECT_EQ(c.header_count, 2u);
  EXPECT_EQ(c.body, "");
  EXPECT_FALSE(c.body_over);
}
