// Target URLs as users type them, and the request bytes built from them.
#include <gtest/gtest.h>

#include "loadgen/workload/url.h"
#include "tests/support/urls.h"

namespace lab {
namespace {

Url parse(const std::string& s) { return labtest::parse_valid_url(s); }

std::string error_of(const std::string& s) {
  std::string err;
  EXPECT_FALSE(parse_url(s, err)) << s;
  return err;
}

TEST(Url, HostPortPathAndTheHostHeaderAsTyped) {
  const Url u = parse("http://LocalHost:8080/index.html");
  EXPECT_EQ(u.scheme, "http");
  EXPECT_EQ(u.host, "localhost");
  EXPECT_EQ(u.port, 8080);
  EXPECT_EQ(u.authority, "LocalHost:8080") << "the Host header is what the user typed";
  EXPECT_EQ(u.target, "/index.html");
  const Url d = parse("http://example.test");
  EXPECT_EQ(d.port, 80);
  EXPECT_EQ(d.authority, "example.test");
  EXPECT_EQ(d.target, "/");
  EXPECT_EQ(parse("https://example.test/").port, 443);
}

// "host:" is the scheme's default port (RFC 3986 3.2.3); it was refused.
TEST(Url, AnEmptyPortIsTheDefault) {
  EXPECT_EQ(parse("http://h:/x").port, 80);
  EXPECT_EQ(parse("http://h:/x").authority, "h");
  EXPECT_EQ(parse("https://[::1]:/").port, 443);
  EXPECT_EQ(parse("http://h:").target, "/");
}

TEST(Url, QueryWithoutPathFragmentDroppedAndPercentEncoding) {
  EXPECT_EQ(parse("http://h:8080?a=1").target, "/?a=1");
  EXPECT_EQ(parse("http://h:8080?a=1").port, 8080);
  EXPECT_EQ(parse("http://h/p?q=1#section").target, "/p?q=1") << "the fragment is never sent";
  EXPECT_EQ(parse("http://h/a b").target, "/a%20b");
  EXPECT_EQ(parse("http://h/%41%zz").target, "/%41%25zz") << "valid escapes kept, a lone % encoded";
  EXPECT_EQ(parse("http://h/\xc3\xa9").target, "/%C3%A9");
  EXPECT_EQ(encode_target("/{x}|\"<>"), "/%7Bx%7D%7C%22%3C%3E");
}

TEST(Url, Ipv6LiteralsAndUserInfo) {
  const Url u = parse("http://[::1]:9000/x");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, 9000);
  EXPECT_EQ(u.authority, "[::1]:9000");
  const Url a = parse("http://user:p%40ss@h:81/");
  EXPECT_EQ(a.userinfo, "user:p@ss");
  EXPECT_EQ(a.authority, "h:81") << "user info is never part of Host";
}

TEST(Url, MistakesNameWhatIsWrong) {
  EXPECT_NE(error_of("127.0.0.1:8080").find("no scheme"), std::string::npos);
  EXPECT_NE(error_of("ftp://h/").find("scheme 'ftp'"), std::string::npos);
  EXPECT_NE(error_of("http://h:0/").find("invalid port"), std::string::npos);
  EXPECT_NE(error_of("http://h:99999/").find("invalid port"), std::string::npos);
  EXPECT_NE(error_of("http://h:x/").find("invalid port"), std::string::npos);
  EXPECT_NE(error_of("http://[::1/").find("closing ']'"), std::string::npos);
  EXPECT_NE(error_of("http://::1/").find("without brackets"), std::string::npos);
  EXPECT_NE(error_of("http:///path").find("no host"), std::string::npos);
}

TEST(Url, Base64) {
  EXPECT_EQ(base64(""), "");
  EXPECT_EQ(base64("f"), "Zg==");
  EXPECT_EQ(base64("fo"), "Zm8=");
  EXPECT_EQ(base64("foo"), "Zm9v");
  EXPECT_EQ(base64("user:pass"), "dXNlcjpwYXNz");
}

}  // namespace
}  // namespace lab
