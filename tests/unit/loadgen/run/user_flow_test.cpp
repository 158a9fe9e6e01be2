// A scenario's users with state, below the sockets: a request waits for the variable it needs
// (skipped and counted without it), is built with the user's values and cookies once it has them
// and stays prebuilt otherwise; after a response the cookies are stored, the checks counted, a
// status check replaces --expect-status, and values are extracted or unset.
#include "loadgen/run/user_flow.h"

#include <gtest/gtest.h>

namespace lab {
namespace {

Workload shop(const std::string& scenario_text, bool cookies = true) {
  Workload w;
  std::string err;
  w.target = *parse_url("http://shop.test:8000/", err);
  w.keepalive = true;
  w.cookies = cookies;
  auto s = parse_scenario(scenario_text, "s.json", err);
  EXPECT_TRUE(s) << err;
  w.scenario = *s;
  return w;
}

const char kFlow[] = R"({"order": "sequence", "requests": [
  {"name": "login", "method": "POST", "path": "/login", "check": {"status": [200, 302]},
   "extract": {"token": {"json": "/token"}}},
  {"name": "cart", "path": "/cart/{{token}}", "headers": {"X-T": "{{token}}"},
   "check": {"json": {"/ok": true}, "body_contains": "done"}},
  {"name": "home", "path": "/"}]})";

// A response as the parser would have kept it.
void respond(UserFlow& u, ResponseCapture* c, const std::string& body,
             std::vector<std::pair<std::string, std::string>> headers = {}) {
  ASSERT_NE(c, nullptr);
  c->clear();
  for (const auto& [k, v] : headers) c->add_header(k, v);
  if (c->keep_body) c->body = body;
  (void)u;
}

TEST(UserFlow, ARequestWaitsForItsVariableThenCarriesIt) {
  const Workload w = shop(kFlow);
  const RequestBook book(w);
  const FlowPlan plan(w);
  ASSERT_TRUE(plan.active());
  auto u = plan.new_user();
  FlowCounts counts = plan.new_counts();
  WireRequest scratch;
  std::string missing;
  EXPECT_EQ(plan.prepare(*u, book, 0, 1, scratch, counts, missing), nullptr) << "no token yet";
  EXPECT_EQ(missing, "token");
  EXPECT_EQ(plan.stats({&counts}).skipped.at(0).count, 1u);

  const WireRequest* login = plan.prepare(*u, book, 0, 0, scratch, counts, missing);
  ASSERT_NE(login, nullptr);
  EXPECT_EQ(login, &book.get(0, 0, scratch)) << "nothing of the user's in it: the prebuilt bytes";
  ResponseCapture* c = plan.capture_for(*u, 0);
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(c->keep_body) << "the extraction reads the body";
  respond(*u, c, R"({"token": "a b"})", {{"Set-Cookie", "sid=42; Path=/"}});
  std::string detail;
  EXPECT_EQ(plan.after(*u, 0, 200, true, 3, counts, detail), FlowFailure::kNone) << detail;

  const WireRequest* cart = plan.prepare(*u, book, 0, 1, scratch, counts, missing);
  ASSERT_NE(cart, nullptr);
  EXPECT_EQ(cart, &scratch) << "built as sent";
  EXPECT_NE(cart->bytes.find("GET /cart/a%20b HTTP/1.1\r\n"), std::string::npos)
      << cart->bytes << "a value in a path is percent-encoded";
  EXPECT_NE(cart->bytes.find("\r\nX-T: a b\r\n"), std::string::npos) << cart->bytes;
  EXPECT_NE(cart->bytes.find("\r\nCookie: sid=42\r\n"), std::string::npos) << cart->bytes;
  const WireRequest* home = plan.prepare(*u, book, 0, 2, scratch, counts, missing);
  EXPECT_EQ(home, &scratch) << "a cookie to send: built as sent too";
  EXPECT_NE(home->bytes.find("Cookie: sid=42"), std::string::npos);
  const FlowStats st = plan.stats({&counts});
  EXPECT_EQ(st.cookies_set, 1u);
  EXPECT_EQ(st.cookies_sent, 2u);
}

TEST(UserFlow, ChecksAreCountedAndTheFirstFailureNamed) {
  const Workload w = shop(kFlow);
  const FlowPlan plan(w);
  auto u = plan.new_user();
  FlowCounts counts = plan.new_counts();
  std::string detail;
  respond(*u, plan.capture_for(*u, 1), R"({"ok": false})");
  EXPECT_EQ(plan.after(*u, 1, 200, true, 1, counts, detail), FlowFailure::kCheck);
  EXPECT_EQ(detail, "check body_contains of 'cart': the body does not hold \"done\"") << "the first by field name";
  const FlowStats st = plan.stats({&counts});
  ASSERT_EQ(st.checks.size(), 3u);  // login status; cart body_contains, json /ok
  EXPECT_EQ(st.checks[1].fails, 1u);
  EXPECT_EQ(st.checks[2].fails, 1u) << "every check runs, not only up to the first failure";
  // a status --expect-status refused stays its failure: the checks are counted, not named
  detail.clear();
  respond(*u, plan.capture_for(*u, 1), R"({"ok": true})");
  EXPECT_EQ(plan.after(*u, 1, 503, false, 1, counts, detail), FlowFailure::kNone);
  EXPECT_TRUE(detail.empty());
}

TEST(UserFlow, AStatusCheckDecidesTheStatusAndAMissingValueIsUnset) {
  const Workload w = shop(kFlow);
  const FlowPlan plan(w);
  EXPECT_TRUE(plan.checks_status(0));
  EXPECT_FALSE(plan.checks_status(1));
  auto u = plan.new_user();
  FlowCounts counts = plan.new_counts();
  std::string detail;
  respond(*u, plan.capture_for(*u, 0), R"({"token": "t1"})");
  EXPECT_EQ(plan.after(*u, 0, 302, false, 1, counts, detail), FlowFailure::kNone) << "302 is in the check's list";
  respond(*u, plan.capture_for(*u, 0), R"({"token": "t2"})");
  EXPECT_EQ(plan.after(*u, 0, 201, true, 1, counts, detail), FlowFailure::kCheck) << "201 is not";
  EXPECT_EQ(detail, "check status of 'login': got 201, want 200 or 302");
  respond(*u, plan.capture_for(*u, 0), R"({"nothing": 1})");
  detail.clear();
  EXPECT_EQ(plan.after(*u, 0, 200, true, 1, counts, detail), FlowFailure::kExtract);
  EXPECT_EQ(detail, "extract token from 'login': no /token in the body");
  const RequestBook book(w);
  WireRequest scratch;
  std::string missing;
  EXPECT_EQ(plan.prepare(*u, book, 0, 1, scratch, counts, missing), nullptr) << "the old token is not kept";
}

TEST(UserFlow, ABodyPastTheBoundFailsWhatReadsIt) {
  Workload w = shop(kFlow);
  w.max_body = 4;
  const FlowPlan plan(w);
  auto u = plan.new_user();
  FlowCounts counts = plan.new_counts();
  ResponseCapture* c = plan.capture_for(*u, 1);
  c->clear();
  c->body = R"({"ok")";
  c->body_over = true;
  std::string detail;
  EXPECT_EQ(plan.after(*u, 1, 200, true, 1, counts, detail), FlowFailure::kBodyTooLarge);
  EXPECT_EQ(detail, "check body_contains of 'cart': the body is longer than --max-body (4 bytes)");
}

TEST(UserFlow, WithoutStateNothingIsKeptOrBuilt) {
  const Workload w = shop(R"({"requests": [{"path": "/a"}, {"path": "/b"}]})", false);
  EXPECT_FALSE(FlowPlan(w).active()) << "no cookies, checks, extractions or variables";
  const Workload with_jar = shop(R"({"requests": [{"path": "/a"}]})", true);
  const FlowPlan plan(with_jar);
  EXPECT_TRUE(plan.active()) << "a scenario's users keep cookies";
  auto u = plan.new_user();
  ResponseCapture* c = plan.capture_for(*u, 0);
  ASSERT_NE(c, nullptr);
  EXPECT_FALSE(c->keep_body) << "cookies need the headers only";
  EXPECT_TRUE(c->cookies_only) << "... and of those, Set-Cookie only";
  u->jar.receive("a=1", "shop.test", "/", false, 1e9);
  u->restart();
  EXPECT_TRUE(u->jar.empty()) << "a user that starts again starts with an empty jar";
}

}  // namespace
}  // namespace lab
