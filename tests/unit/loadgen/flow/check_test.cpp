// A scenario request's checks and extractions: parsed with their mistakes named, run against a
// kept response (status, headers, body, JSON, time), and what each says when it fails.
#include <gtest/gtest.h>

#include <map>

#include "common/json_reader.h"
#include "loadgen/flow/check.h"
#include "loadgen/flow/extract.h"

namespace lab {
namespace {

std::vector<CheckSpec> checks(const std::string& text) {
  const JsonSource src{"s.json", text};
  const nlohmann::json j = parse_json_source(src);
  return parse_checks(Field(j, src));
}

std::string check_error(const std::string& text) {
  try {
    checks(text);
  } catch (const JsonFieldError& e) {
    return e.what();
  }
  return "";
}

std::vector<ExtractSpec> extracts(const std::string& text) {
  const JsonSource src{"s.json", text};
  const nlohmann::json j = parse_json_source(src);
  return parse_extracts(Field(j, src));
}

std::string extract_error(const std::string& text) {
  try {
    extracts(text);
  } catch (const JsonFieldError& e) {
    return e.what();
  }
  return "";
}

ResponseCapture captured(const std::string& body, std::vector<std::pair<std::string, std::string>> headers = {}) {
  ResponseCapture c;
  c.keep_body = true;
  c.body = body;
  for (const auto& [k, v] : headers) c.add_header(k, v);
  return c;
}

// The issue's example, as written: every kind of check.
const char* kAll = R"j({"status": [200, 201], "body_contains": "Order placed", "body_regex": "id=\\d+",
  "json": {"/status": "ok", "/items/0/id": 7, "/token": {"exists": true}},
  "header": {"Content-Type": "application/json"}, "max_ms": 500})j";

TEST(Checks, TheFullFormParsesIntoOneCheckEach) {
  const auto c = checks(kAll);
  std::vector<std::string> names;
  for (const auto& x : c) names.push_back(x.name);
  // status first, then by field name (and each json pointer, each header, in order)
  EXPECT_EQ(names, (std::vector<std::string>{"status", "body_contains", "body_regex", "header Content-Type",
                                             "json /items/0/id", "json /status", "json /token", "max_ms"}));
}

TEST(Checks, AResponseThatIsRightPassesEveryOne) {
  const auto cap = captured(R"j({"status": "ok", "items": [{"id": 7.0}], "token": "t", "note": "Order placed id=42"})j",
                            {{"content-type", "application/json; charset=utf-8"}});
  const Reply r(201, cap, 12.5);
  for (const auto& c : checks(kAll)) EXPECT_EQ(run_check(c, r), "") << c.name;
}

TEST(Checks, EachFailureSaysWhatItSawAndWanted) {
  const auto cap = captured(R"j({"status": "error", "items": []})j", {{"Content-Type", "text/html"}});
  const Reply r(500, cap, 900);
  std::map<std::string, CheckSpec> c;
  for (auto& x : checks(kAll)) c[x.name] = x;
  EXPECT_EQ(run_check(c["status"], r), "got 500, want 200 or 201");
  EXPECT_EQ(run_check(c["body_contains"], r), "the body does not hold \"Order placed\"");
  EXPECT_EQ(run_check(c["body_regex"], r), "the body does not match /id=\\d+/");
  EXPECT_EQ(run_check(c["json /status"], r), "got \"error\", want \"ok\"");
  EXPECT_EQ(run_check(c["json /items/0/id"], r), "it is absent, want 7");
  EXPECT_EQ(run_check(c["json /token"], r), "it is absent");
  EXPECT_EQ(run_check(c["header Content-Type"], r), "got \"text/html\", want \"application/json\"");
  EXPECT_EQ(run_check(c["max_ms"], r), "took 900.0 ms, want at most 500.0 ms");
  const auto html = captured("<html>error</html>");
  EXPECT_EQ(run_check(c["json /status"], Reply(200, html, 1)), "the body is not JSON");
  EXPECT_EQ(run_check(checks(R"j({"header": {"X-A": "1"}})j")[0], Reply(200, html, 1)), "no X-A header");
  EXPECT_EQ(run_check(checks(R"j({"json": {"/a": {"exists": false}}})j")[0], Reply(200, captured(R"j({"a":1})j"), 1)),
            "it is there, want it absent");
}

TEST(Checks, ABodyCutAtTheBoundIsNotReadAsJson) {
  auto cap = captured(R"j({"status": "ok"})j");
  cap.body_over = true;
  EXPECT_EQ(run_check(checks(R"j({"json": {"/status": "ok"}})j")[0], Reply(200, cap, 1)), "the body is not JSON");
}

TEST(Checks, MistakesNameTheFieldAndTheFix) {
  EXPECT_NE(check_error(R"j({"status": [99]})j").find("status[0]: must be a status code from 100 to 999"),
            std::string::npos)
      << check_error(R"j({"status": [99]})j");
  EXPECT_NE(check_error(R"j({"status": []})j").find("at least one"), std::string::npos);
  EXPECT_NE(check_error(R"j({"body_regex": "a("})j").find("body_regex: is not a regular expression"), std::string::npos)
      << check_error(R"j({"body_regex": "a("})j");
  EXPECT_NE(check_error(R"j({"json": {"status": "ok"}})j").find("is not a JSON Pointer (write \"/status\")"),
            std::string::npos);
  EXPECT_NE(check_error(R"j({"json": {"/a": {"exists": 1}}})j").find("must be true or false"), std::string::npos);
  EXPECT_NE(check_error(R"j({"max_ms": -1})j").find("max_ms"), std::string::npos);
  EXPECT_NE(check_error(R"j({"bodycontains": "x"})j").find("bodycontains"), std::string::npos);
  EXPECT_NE(check_error(R"j({})j").find("must be an object of checks"), std::string::npos);
}

TEST(Checks, AStatusAloneIsOneCode) {
  const auto c = checks(R"j({"status": 302})j");
  ASSERT_EQ(c.size(), 1u);
  ResponseCapture none;
  EXPECT_EQ(run_check(c[0], Reply(302, none, 1)), "");
  EXPECT_EQ(run_check(c[0], Reply(200, none, 1)), "got 200, want 302");
}

TEST(Extracts, EachSourceGivesItsValue) {
  const auto e = extracts(R"j({"token": {"json": "/token"}, "n": {"json": "/n"}, "order": {"regex": "order-(\\d+)"},
    "whole": {"regex": "id=\\d+"}, "csrf": {"header": "X-CSRF-Token"}, "sid": {"cookie": "session"}})j");
  ASSERT_EQ(e.size(), 6u);
  std::map<std::string, ExtractSpec> by;
  for (const auto& x : e) by[x.variable] = x;
  const auto cap = captured(R"j({"token": "abc", "n": 7, "msg": "order-123 placed, id=9"})j", {{"x-csrf-token", "c1"}});
  const Reply r(200, cap, 1);
  CookieJar jar;
  jar.receive("session=s1", "h.test", "/", false, 1e9);
  const JarView view{&jar, "h.test", false, 1e9};
  std::string why;
  EXPECT_EQ(run_extract(by["token"], r, view, why), "abc");
  EXPECT_EQ(run_extract(by["n"], r, view, why), "7") << "a number as its JSON text";
  EXPECT_EQ(run_extract(by["order"], r, view, why), "123") << "a regex's first group";
  EXPECT_EQ(run_extract(by["whole"], r, view, why), "id=9") << "the whole match without a group";
  EXPECT_EQ(run_extract(by["csrf"], r, view, why), "c1") << "a header by name, any case";
  EXPECT_EQ(run_extract(by["sid"], r, view, why), "s1");
}

TEST(Extracts, AValueNotThereSaysWhy) {
  const auto e = extracts(R"j({"token": {"json": "/token"}, "order": {"regex": "order-(\\d+)"},
    "csrf": {"header": "X-CSRF-Token"}, "sid": {"cookie": "session"}})j");
  const auto cap = captured(R"j({"token": null})j");
  const Reply r(200, cap, 1);
  std::map<std::string, ExtractSpec> by;
  for (const auto& x : e) by[x.variable] = x;
  std::string why;
  EXPECT_FALSE(run_extract(by["token"], r, JarView{}, why));
  EXPECT_EQ(why, "no /token in the body");
  EXPECT_FALSE(run_extract(by["order"], r, JarView{}, why));
  EXPECT_EQ(why, "the body does not match /order-(\\d+)/");
  EXPECT_FALSE(run_extract(by["csrf"], r, JarView{}, why));
  EXPECT_EQ(why, "no X-CSRF-Token header");
  EXPECT_FALSE(run_extract(by["sid"], r, JarView{}, why));
  EXPECT_EQ(why, "no cookie session (cookies are off: --no-cookies)");
}

TEST(Extracts, MistakesNameTheFieldAndTheFix) {
  EXPECT_NE(extract_error(R"j({"t": {"xpath": "/a"}})j").find("xpath"), std::string::npos);
  EXPECT_NE(extract_error(R"j({"t": {"json": "/a", "regex": "b"}})j").find("must say where the value is"),
            std::string::npos);
  EXPECT_NE(extract_error(R"j({"t": {"json": "a"}})j").find("is not a JSON Pointer"), std::string::npos);
  EXPECT_NE(extract_error(R"j({"t": {"regex": "("}})j").find("is not a regular expression"), std::string::npos);
  EXPECT_NE(extract_error(R"j({"a b": {"json": "/a"}})j").find("is not a variable name"), std::string::npos);
}

}  // namespace
}  // namespace lab
