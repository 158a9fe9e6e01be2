// The cookie jar on RFC 6265's rules and examples: parsing, dates, domain and path matching,
// expiry and deletion, Secure, host-only cookies, the header's order, and its bounds.
#include <gtest/gtest.h>

#include "loadgen/flow/cookie_jar.h"

namespace lab {
namespace {

constexpr double kNow = 1'700'000'000;  // 2023-11-14

TEST(CookieDate, ReadsTheFormsServersSend) {
  // RFC 1123, RFC 850 and asctime forms, and a two-digit year (5.1.1: 70-99 are 19xx, 0-69 20xx)
  EXPECT_EQ(parse_cookie_date("Wed, 09 Jun 2021 10:18:14 GMT"), 1623233894.0);
  EXPECT_EQ(parse_cookie_date("Wednesday, 09-Jun-21 10:18:14 GMT"), 1623233894.0);
  EXPECT_EQ(parse_cookie_date("Wed Jun  9 10:18:14 2021"), 1623233894.0);
  EXPECT_EQ(parse_cookie_date("Thu, 01 Jan 70 00:00:00 GMT"), 0.0);
}

TEST(CookieDate, RefusesWhatIsNotADate) {
  EXPECT_FALSE(parse_cookie_date("tomorrow"));
  EXPECT_FALSE(parse_cookie_date("Wed, 09 Jun 2021"));               // no time
  EXPECT_FALSE(parse_cookie_date("Wed, 32 Jun 2021 10:18:14 GMT"));  // day 32
  EXPECT_FALSE(parse_cookie_date("Wed, 30 Feb 2021 10:18:14 GMT"));  // no such day
  EXPECT_FALSE(parse_cookie_date("Wed, 09 Jun 1600 10:18:14 GMT"));  // before 1601
  EXPECT_FALSE(parse_cookie_date("Wed, 09 Jun 2021 24:00:00 GMT"));
}

TEST(CookieMatching, DomainAndPathFollowTheRfc) {
  EXPECT_TRUE(domain_match("www.example.com", "example.com"));
  EXPECT_TRUE(domain_match("example.com", "example.com"));
  EXPECT_FALSE(domain_match("badexample.com", "example.com"));
  EXPECT_FALSE(domain_match("example.com", "www.example.com"));
  EXPECT_FALSE(domain_match("10.0.0.1", "0.0.1"));  // an IP address matches only itself
  EXPECT_TRUE(path_match("/docs/web", "/docs"));
  EXPECT_TRUE(path_match("/docs/", "/docs/"));
  EXPECT_TRUE(path_match("/docs", "/docs"));
  EXPECT_FALSE(path_match("/docsets", "/docs"));
  EXPECT_FALSE(path_match("/", "/docs"));
  EXPECT_EQ(default_path("/a/b/c"), "/a/b");
  EXPECT_EQ(default_path("/a"), "/");
  EXPECT_EQ(default_path(""), "/");
}

TEST(CookieJar, TheRfcsExamplesSendWhatTheySay) {
  // 3.1: SID and lang; SID goes back, lang after it (same path, created later)
  CookieJar jar;
  EXPECT_TRUE(jar.receive("SID=31d4d96e407aad42; Path=/; Domain=example.com", "www.example.com", "/", false, kNow));
  EXPECT_TRUE(jar.receive("lang=en-US; Path=/; Domain=example.com", "www.example.com", "/", false, kNow));
  std::size_t sent = 0;
  EXPECT_EQ(jar.header_for("www.example.com", "/x", false, kNow, &sent), "SID=31d4d96e407aad42; lang=en-US");
  EXPECT_EQ(sent, 2u);
  EXPECT_EQ(jar.header_for("docs.example.com", "/", false, kNow), "SID=31d4d96e407aad42; lang=en-US");
  EXPECT_EQ(jar.header_for("example.org", "/", false, kNow), "");
  // 3.1: an expired cookie of the same name, domain and path deletes it
  EXPECT_TRUE(jar.receive("lang=; Expires=Sun, 06 Nov 1994 08:49:37 GMT; Path=/; Domain=example.com", "www.example.com",
                          "/", false, kNow));
  EXPECT_EQ(jar.header_for("www.example.com", "/", false, kNow), "SID=31d4d96e407aad42");
}

TEST(CookieJar, HostOnlyCookiesGoToTheirHostAlone) {
  CookieJar jar;
  jar.receive("sid=1", "shop.test", "/login", false, kNow);  // its default path: "/"
  EXPECT_EQ(jar.header_for("shop.test", "/cart", false, kNow), "sid=1");
  jar.receive("deep=1", "shop.test", "/account/login", false, kNow);  // its default path: "/account"
  EXPECT_EQ(jar.header_for("shop.test", "/cart", false, kNow), "sid=1");
  EXPECT_EQ(jar.header_for("shop.test", "/account/orders", false, kNow), "deep=1; sid=1");
  EXPECT_EQ(jar.header_for("www.shop.test", "/cart", false, kNow), "") << "no Domain: its host only";
}

TEST(CookieJar, PathsScopeAndOrderTheHeader) {
  CookieJar jar;
  jar.receive("a=root; Path=/", "h.test", "/", false, kNow);
  jar.receive("b=deep; Path=/cart/items", "h.test", "/", false, kNow);
  jar.receive("c=cart; Path=/cart", "h.test", "/", false, kNow);
  jar.receive("d=bad; Path=relative", "h.test", "/x/y", false, kNow);  // not /...: the default path, /x
  EXPECT_EQ(jar.header_for("h.test", "/cart/items/7", false, kNow), "b=deep; c=cart; a=root");
  EXPECT_EQ(jar.header_for("h.test", "/cartoon", false, kNow), "a=root");
  EXPECT_EQ(jar.header_for("h.test", "/x/z", false, kNow), "d=bad; a=root");
}

TEST(CookieJar, MaxAgeWinsOverExpiresAndExpiryEndsTheCookie) {
  CookieJar jar;
  jar.receive("s=1; Max-Age=60; Expires=Sun, 06 Nov 1994 08:49:37 GMT", "h.test", "/", false, kNow);
  EXPECT_EQ(jar.header_for("h.test", "/", false, kNow + 59), "s=1");
  EXPECT_EQ(jar.header_for("h.test", "/", false, kNow + 61), "");
  EXPECT_TRUE(jar.empty()) << "an expired cookie is dropped";
  jar.receive("t=1", "h.test", "/", false, kNow);
  EXPECT_TRUE(jar.receive("t=2; Max-Age=0", "h.test", "/", false, kNow)) << "Max-Age 0 deletes";
  EXPECT_TRUE(jar.empty());
  jar.receive("u=1; Max-Age=-5", "h.test", "/", false, kNow);
  EXPECT_TRUE(jar.empty()) << "a negative Max-Age is already expired";
  jar.receive("v=1; Max-Age=abc", "h.test", "/", false, kNow);  // not a number: ignored, a session cookie
  EXPECT_EQ(jar.header_for("h.test", "/", false, kNow + 1e6), "v=1");
}

TEST(CookieJar, ASetCookieReplacesItsNamesakeAndKeepsItsPlace) {
  CookieJar jar;
  jar.receive("a=1", "h.test", "/", false, kNow);
  jar.receive("b=2", "h.test", "/", false, kNow);
  jar.receive("a=3", "h.test", "/", false, kNow);
  EXPECT_EQ(jar.header_for("h.test", "/", false, kNow), "a=3; b=2") << "the old creation time is kept (5.3 11.3)";
  EXPECT_EQ(jar.size(), 2u);
}

TEST(CookieJar, SecureCookiesTravelOverHttpsOnly) {
  CookieJar jar;
  jar.receive("s=1; Secure", "h.test", "/", true, kNow);
  EXPECT_EQ(jar.header_for("h.test", "/", false, kNow), "");
  EXPECT_EQ(jar.header_for("h.test", "/", true, kNow), "s=1");
}

TEST(CookieJar, IgnoresWhatItMustNotStore) {
  CookieJar jar;
  EXPECT_FALSE(jar.receive("novalue", "h.test", "/", false, kNow)) << "no =";
  EXPECT_FALSE(jar.receive("=v", "h.test", "/", false, kNow)) << "no name";
  EXPECT_FALSE(jar.receive("a=1; Domain=other.test", "h.test", "/", false, kNow)) << "a domain the host is not in";
  EXPECT_FALSE(jar.receive("a=1; Domain=test", "h.test", "/", false, kNow)) << "one label: a public suffix";
  EXPECT_FALSE(jar.receive("a=" + std::string(CookieJar::kMaxCookieBytes, 'x'), "h.test", "/", false, kNow));
  EXPECT_TRUE(jar.empty());
  EXPECT_TRUE(jar.receive("a=1; Domain=.H.Test", "www.h.test", "/", false, kNow)) << "a leading dot, any case";
  EXPECT_EQ(jar.header_for("h.test", "/", false, kNow), "a=1");
  EXPECT_TRUE(jar.receive("l=1; Domain=localhost", "localhost", "/", false, kNow)) << "one label that is the host";
}

TEST(CookieJar, HoldsAtMostItsBoundDroppingTheOldest) {
  CookieJar jar;
  for (std::size_t i = 0; i < CookieJar::kMaxCookies + 5; ++i)
    jar.receive("c" + std::to_string(i) + "=1", "h.test", "/", false, kNow);
  EXPECT_EQ(jar.size(), CookieJar::kMaxCookies);
  EXPECT_EQ(jar.value_of("c0", "h.test", false, kNow), std::nullopt);
  EXPECT_EQ(jar.value_of("c104", "h.test", false, kNow), "1");
}

TEST(CookieJar, ValueOfReadsTheCookieTheHostWouldBeSent) {
  CookieJar jar;
  jar.receive("session=abc; Path=/", "h.test", "/", false, kNow);
  jar.receive("session=deeper; Path=/account", "h.test", "/", false, kNow);
  EXPECT_EQ(jar.value_of("session", "h.test", false, kNow), "deeper") << "the longest path's";
  EXPECT_EQ(jar.value_of("session", "other.test", false, kNow), std::nullopt);
  EXPECT_EQ(jar.value_of("nothing", "h.test", false, kNow), std::nullopt);
}

}  // namespace
}  // namespace lab
