// The hostile-server suite: loadgen against servers that send forever, drip, never close, send
// interim responses, truncate, overflow chunk sizes or reset, as the hostile-client suite does
// for the server. Every run must end within its duration plus its timeout (and a margin for
// start and stop), keep its memory bounded, and classify what happened; each case in plain HTTP
// and inside TLS (loadgen's two connection paths: its own socket calls, OpenSSL on the socket).
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>

#include "tests/support/bad_server.h"
#include "tests/support/loadgen_run.h"

using namespace labtest;
using namespace std::chrono_literals;

namespace {

struct Case {
  const char* name;
  BadServer::Mode mode;
  const char* kind;  // the error kind every failure must have; nullptr: the run succeeds
};

const Case kCases[] = {
    {"endless_body", BadServer::kEndlessBody, "read_timeout"},
    {"endless_headers", BadServer::kEndlessHeaders, "bad_response"},
    {"endless_trailers", BadServer::kEndlessTrailers, "bad_response"},
    {"endless_interims", BadServer::kEndlessInterims, "bad_response"},
    {"slow_drip", BadServer::kSlowDrip, "read_timeout"},
    {"never_close", BadServer::kNeverClose, "read_timeout"},
    {"interim_then_ok", BadServer::kInterimThenOk, nullptr},
    {"truncated", BadServer::kTruncated, "bad_response"},
    {"chunk_overflow", BadServer::kChunkOverflow, "bad_response"},
    {"garbage", BadServer::kGarbage, "bad_response"},
    {"reset", BadServer::kReset, "connection_reset"},
};

class HostileServer : public ::testing::TestWithParam<std::tuple<Case, bool>> {};  // (case, https)

void run_case(const std::tuple<Case, bool>& param, bool keepalive) {
  const auto& [c, https] = param;
  BadServer bad(c.mode, https);
  const std::string target = https ? "https://localhost:" + std::to_string(bad.port()) + "/" : url(bad.port());
  std::vector<std::string> args = {"-H",         target, "-u",         "2",   "-t",        "2s",
                                   "--wait-min", "0.05", "--wait-max", "0.1", "--timeout", "1s"};
  if (keepalive) args.push_back("--keepalive");
  if (https) args.push_back("--insecure");  // (a throwaway certificate)
  ExitStatus st;
  std::string err;
  const auto t0 = std::chrono::steady_clock::now();
  auto j = run_loadgen(args, tmp_json(std::string("hostile-") + c.name), nullptr, &err, &st);
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(j.is_object()) << c.name << ": no result written; stderr: " << err;
  expect_consistent(j);
  EXPECT_LT(took, 2s + 1s + 3s) << c.name << ": the run must end within --run-time + --timeout";
  EXPECT_LT(st.max_rss_kb, 200 * 1024) << c.name << ": memory must stay bounded";
  const auto& s = j["summary"];
  if (c.kind) {
    EXPECT_GT(s["failures"].get<std::uint64_t>(), 0u) << c.name << ": " << j["errors"].dump();
    EXPECT_EQ(errors_of(j, c.kind), s["failures"].get<std::uint64_t>()) << c.name << ": " << j["errors"].dump();
  } else {
    EXPECT_EQ(s["failures"].get<std::uint64_t>(), 0u) << c.name << ": " << j["errors"].dump();
    EXPECT_GT(s["successes"].get<std::uint64_t>(), 0u) << c.name;
  }
}

}  // namespace

TEST_P(HostileServer, EndsInTimeBoundedAndClassified) { run_case(GetParam(), false); }

TEST_P(HostileServer, EndsInTimeBoundedAndClassifiedWithKeepAlive) { run_case(GetParam(), true); }

INSTANTIATE_TEST_SUITE_P(Cases, HostileServer, ::testing::Combine(::testing::ValuesIn(kCases), ::testing::Bool()),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param).name) + (std::get<1>(info.param) ? "_https" : "");
                         });

// 100 Continue, then the real reply 50 ms later: the interim response is skipped, so every
// request takes the 50 ms and none is answered by the previous request's 200 (keep-alive).
TEST(HostileServerInterim, TheFinalResponseIsTheOneMeasured) {
  BadServer bad(BadServer::kInterimThenOk);
  auto j = run_loadgen({"-H", url(bad.port()), "-u", "1", "-t", "1s", "--max", "--keepalive"}, tmp_json("interim"));
  expect_consistent(j);
  const auto& s = j["summary"];
  EXPECT_EQ(s["failures"].get<std::uint64_t>(), 0u) << j["errors"].dump();
  EXPECT_LE(s["requests"].get<std::uint64_t>(), 21u) << "one request per 50 ms at most";
  EXPECT_GE(s["min_ms"].get<double>(), 49.0);
}
