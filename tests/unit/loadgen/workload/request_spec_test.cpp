// The request's bytes: the default GET loadgen always sent, methods, headers and bodies, and the
// mistakes refused.
#include <gtest/gtest.h>

#include "loadgen/workload/request_spec.h"
#include "loadgen/workload/url.h"
#include "tests/support/urls.h"

namespace lab {
namespace {

Url parse(const std::string& s) { return labtest::parse_valid_url(s); }

TEST(RequestSpec, DefaultGetIsWhatLoadgenAlwaysSent) {
  const Url u = parse("http://127.0.0.1:8080/");
  const std::string r = build_request(u, RequestSpec{}, false);
  EXPECT_EQ(r, "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: loadlab-loadgen/" LAB_VERSION
               "\r\nAccept: */*\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(build_request(u, RequestSpec{}, true).find("Connection"), std::string::npos);
}

TEST(RequestSpec, MethodHeadersAndBody) {
  const Url u = parse("http://me:pw@api.test/v1/items?x=1");
  RequestSpec s;
  s.method = "POST";
  s.headers = {{"Content-Type", "application/json"}, {"Host", "virtual.test"}};
  s.body = "{\"a\":1}";
  const std::string r = build_request(u, s, true);
  EXPECT_EQ(r.rfind("POST /v1/items?x=1 HTTP/1.1\r\n", 0), 0u) << r;
  EXPECT_NE(r.find("\r\nHost: virtual.test\r\n"), std::string::npos) << "the user's Host replaces the URL's";
  EXPECT_EQ(r.find("Host: api.test"), std::string::npos);
  EXPECT_NE(r.find("\r\nAuthorization: Basic bWU6cHc=\r\n"), std::string::npos);
  EXPECT_NE(r.find("\r\nContent-Type: application/json\r\n"), std::string::npos);
  EXPECT_NE(r.find("\r\nContent-Length: 7\r\n\r\n{\"a\":1}"), std::string::npos) << r;
  RequestSpec empty_post;
  empty_post.method = "POST";
  EXPECT_NE(build_request(u, empty_post, true).find("Content-Length: 0\r\n"), std::string::npos);
}

TEST(RequestSpec, HeaderAndMethodMistakes) {
  std::string err;
  auto h = parse_header("X-Trace:  abc  ", err);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->first, "X-Trace");
  EXPECT_EQ(h->second, "abc");
  EXPECT_FALSE(parse_header("no colon", err));
  EXPECT_NE(err.find("Name: value"), std::string::npos);
  EXPECT_FALSE(parse_header("Bad Name: v", err));
  EXPECT_FALSE(parse_header("Content-Length: 5", err));
  EXPECT_NE(err.find("--body"), std::string::npos);
  EXPECT_FALSE(parse_header("X: a\r\nInjected: 1", err));
  EXPECT_TRUE(valid_method("PURGE"));
  EXPECT_FALSE(valid_method("GET /"));
  EXPECT_FALSE(read_body("@/nonexistent/file", err));
  EXPECT_NE(err.find("/nonexistent/file"), std::string::npos);
  EXPECT_EQ(read_body("plain", err).value_or(""), "plain");
}

}  // namespace
}  // namespace lab
