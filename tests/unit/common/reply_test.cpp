// The replies the server sends: the seed's, byte for byte, HTTP/1.1's, and the error replies with
// their lengths.
#include <gtest/gtest.h>

#include "common/http/reply.h"

TEST(Reply, SeedReplyIsTheOriginalByteForByte) {
  std::string out;
  lab::append_seed_reply(out, "GET / HTTP/1.1\r\nHost: localhost:8892\r\n\r\n");
  EXPECT_EQ(out, "HTTP/1.1 200 OK\nContent-Type: text/html\n\nGET / HTTP/1.1\r\nHost: localhost:8892\r\n\r\n");
}

TEST(Reply, Http11ReplyHasLengthAndCloseWhenAsked) {
  std::string ka, close;
  lab::append_http11_reply(ka, "abc", true);
  lab::append_http11_reply(close, "abc", false);
  EXPECT_EQ(ka, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 3\r\n\r\nabc");
  EXPECT_EQ(close, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc");
}

TEST(Reply, ErrorRepliesCloseAndCarryTheirLength) {
  std::string r;
  lab::append_error_reply(r, 431);
  EXPECT_EQ(r,
            "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain\r\nContent-Length: 32\r\n"
            "Connection: close\r\n\r\nRequest Header Fields Too Large\n");
}

TEST(Reply, ProtocolNames) {
  lab::Protocol p;
  EXPECT_TRUE(lab::parse_protocol("seed", p));
  EXPECT_EQ(p, lab::Protocol::kSeed);
  EXPECT_TRUE(lab::parse_protocol("http11", p));
  EXPECT_EQ(p, lab::Protocol::kHttp11);
  EXPECT_FALSE(lab::parse_protocol("http2", p));
}
