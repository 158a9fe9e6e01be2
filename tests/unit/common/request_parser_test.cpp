// The server's request parser: the seed request, every split position, pipelining, and malformed or
// binary input refused (400, 431).
#include <gtest/gtest.h>

#include <string>

#include "common/http/request_parser.h"

using lab::ParseStatus;
using lab::RequestParser;

namespace {

// Feeds `text` split at every position pair: the parser must give the same answer for any
// chunking, including one byte at a time.
ParseStatus parse_in_chunks(const std::string& text, std::size_t chunk, lab::Request* out = nullptr) {
  RequestParser p;
  std::string buf;
  ParseStatus st = ParseStatus::kIncomplete;
  for (std::size_t i = 0; i < text.size(); i += chunk) {
    buf.append(text, i, chunk);
    st = p.parse(buf);
    if (st != ParseStatus::kIncomplete) break;
  }
  if (out && st == ParseStatus::kComplete) *out = p.request();
  return st;
}

const std::string kGet =
    "GET /index.html HTTP/1.1\r\nHost: localhost:8892\r\nUser-Agent: python-requests/2.25.1\r\n"
    "Accept-Encoding: gzip, deflate\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n";

}  // namespace

TEST(RequestParser, ParsesTheSeedRequest) {
  RequestParser p;
  ASSERT_EQ(p.parse(kGet), ParseStatus::kComplete);
  EXPECT_EQ(p.request().method, "GET");
  EXPECT_EQ(p.request().target, "/index.html");
  EXPECT_EQ(p.request().version_minor, 1);
  EXPECT_TRUE(p.request().keep_alive);
  EXPECT_EQ(p.request().head_bytes, kGet.size());
  EXPECT_EQ(p.request().total_bytes, kGet.size());
}

TEST(RequestParser, EverySplitPositionGivesTheSameResult) {
  const std::string req = "POST /x HTTP/1.1\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello";
  for (std::size_t split = 1; split < req.size(); ++split) {
    RequestParser p;
    std::string buf = req.substr(0, split);
    ParseStatus st = p.parse(buf);
    ASSERT_EQ(st, ParseStatus::kIncomplete) << "split " << split;
    buf += req.substr(split);
    ASSERT_EQ(p.parse(buf), ParseStatus::kComplete) << "split " << split;
    EXPECT_EQ(p.request().content_length, 5u);
    EXPECT_FALSE(p.request().keep_alive);
    EXPECT_EQ(p.request().total_bytes, req.size());
  }
}

TEST(RequestParser, OneByteAtATime) {
  lab::Request r;
  ASSERT_EQ(parse_in_chunks(kGet, 1, &r), ParseStatus::kComplete);
  EXPECT_EQ(r.total_bytes, kGet.size());
}

TEST(RequestParser, BareLfLineEndings) {
  RequestParser p;
  const std::string req = "GET / HTTP/1.0\nHost: a\n\n";
  ASSERT_EQ(p.parse(req), ParseStatus::kComplete);
  EXPECT_EQ(p.request().head_bytes, req.size());
  EXPECT_FALSE(p.request().keep_alive);  // HTTP/1.0 without keep-alive
}

TEST(RequestParser, Http10KeepAliveAndHttp11Close) {
  RequestParser a;
  ASSERT_EQ(a.parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"), ParseStatus::kComplete);
  EXPECT_TRUE(a.request().keep_alive);
  RequestParser b;
  ASSERT_EQ(b.parse("GET / HTTP/1.1\r\nConnection: foo, close\r\n\r\n"), ParseStatus::kComplete);
  EXPECT_FALSE(b.request().keep_alive);
}

TEST(RequestParser, PipelinedRequestsAreParsedOneAfterAnother) {
  const std::string one = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string two = "GET /b HTTP/1.1\r\nHost: x\r\n\r\n";
  std::string buf = one + two;
  RequestParser p;
  ASSERT_EQ(p.parse(buf), ParseStatus::kComplete);
  EXPECT_EQ(p.request().target, "/a");
  EXPECT_EQ(p.request().total_bytes, one.size());
  buf.erase(0, p.request().total_bytes);
  p.reset();
  ASSERT_EQ(p.parse(buf), ParseStatus::kComplete);
  EXPECT_EQ(p.request().target, "/b");
}

TEST(RequestParser, MalformedInputIsBadRequest) {
  const char* cases[] = {
      "GET\r\n\r\n",                        // no target
      "GET /\r\n\r\n",                      // HTTP/0.9
      "GET / HTTP/2.0\r\n\r\n",             // not 1.x
      "GET  / HTTP/1.1\r\n\r\n",            // double space
      "G(T / HTTP/1.1\r\n\r\n",             // bad method token
      "GET / HTTP/1.1\r\nNoColon\r\n\r\n",  // header without colon
      "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
      "GET / HTTP/1.1\r\nHost : x\r\n\r\n",  // space before colon
      "GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
      "GET / HTTP/1.1\r\nContent-Length: 12a\r\n\r\n",
      "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
      "\n\n",  // bare blank lines
      "GET /a\x01 HTTP/1.1\r\n\r\n",
  };
  for (const char* c : cases) {
    for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, std::size_t{1000}})
      EXPECT_EQ(parse_in_chunks(c, chunk), ParseStatus::kBadRequest) << c << " chunk " << chunk;
  }
}

TEST(RequestParser, BinaryGarbageIsRejectedNeverAccepted) {
  std::string junk;
  for (int i = 0; i < 4096; ++i) junk.push_back(static_cast<char>((i * 7919) & 0xff));
  ParseStatus st = parse_in_chunks(junk, 17);
  EXPECT_TRUE(st == ParseStatus::kBadRequest || st == ParseStatus::kTooLarge);
  std::string nuls(100, '\0');
  nuls += "\r\n\r\n";
  EXPECT_EQ(parse_in_chunks(nuls, 5), ParseStatus::kBadRequest);
}

TEST(RequestParser, OversizeHeadIsTooLarge) {
  std::string big = "GET / HTTP/1.1\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n";
  EXPECT_EQ(parse_in_chunks(big, 1024), ParseStatus::kTooLarge);
  EXPECT_EQ(parse_in_chunks(big, 1), ParseStatus::kTooLarge);
  std::string long_line = "GET /" + std::string(100 * 1024, 'a') + " HTTP/1.1\r\n\r\n";
  EXPECT_EQ(parse_in_chunks(long_line, 4096), ParseStatus::kTooLarge);
  // A header bomb with no blank line never grows past the limit.
  RequestParser p;
  std::string bomb = "GET / HTTP/1.1\r\n";
  while (bomb.size() < 1024 * 1024) bomb += "X: y\r\n";
  EXPECT_EQ(p.parse(bomb), ParseStatus::kTooLarge);
}

TEST(RequestParser, HeadExactlyAtTheLimitIsAccepted) {
  std::string head = "GET / HTTP/1.1\r\nX: ";
  const std::string tail = "\r\n\r\n";
  head += std::string(lab::kMaxHeadBytes - head.size() - tail.size(), 'a');
  head += tail;
  ASSERT_EQ(head.size(), lab::kMaxHeadBytes);
  EXPECT_EQ(parse_in_chunks(head, 100), ParseStatus::kComplete);
  EXPECT_EQ(parse_in_chunks("GET / HTTP/1.1\r\nX: a" + head.substr(19), 100), ParseStatus::kTooLarge);
}

TEST(RequestParser, TooManyHeadersIsTooLarge) {
  std::string req = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 101; ++i) req += "A: b\r\n";
  req += "\r\n";
  EXPECT_EQ(parse_in_chunks(req, 64), ParseStatus::kTooLarge);
}

TEST(RequestParser, BodyLimitsAndChunkedRequests) {
  EXPECT_EQ(parse_in_chunks("POST / HTTP/1.1\r\nContent-Length: 999999999\r\n\r\n", 8), ParseStatus::kPayloadTooLarge);
  EXPECT_EQ(parse_in_chunks("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", 8),
            ParseStatus::kPayloadTooLarge);
  EXPECT_EQ(parse_in_chunks("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 8), ParseStatus::kNotImplemented);
  EXPECT_EQ(lab::status_for(ParseStatus::kBadRequest), 400);
  EXPECT_EQ(lab::status_for(ParseStatus::kTooLarge), 431);
}

TEST(RequestParser, ErrorsAreSticky) {
  RequestParser p;
  std::string buf = "BAD\r\n";
  ASSERT_EQ(p.parse(buf), ParseStatus::kBadRequest);
  buf += "GET / HTTP/1.1\r\n\r\n";
  EXPECT_EQ(p.parse(buf), ParseStatus::kBadRequest);
}
