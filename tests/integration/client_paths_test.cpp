// The differential suite: the same workload on every plain-HTTP client path, each compared with
// the sockets path (the oracle: one read and one write per request, woken by epoll for its own
// socket). A path that loses wake-ups, stalls, mis-times or mis-classifies reads differently
// from the oracle here, whatever the machine's timing (docs/reliability.md, round 4: the ring's
// lost wake-up read as a slow server, and no test compared the two paths).
//
// What must agree, and how closely (docs/reliability.md explains the numbers):
// - failures: the same kinds, each the same share of the requests within 0.15 (none in every
//   case here but the reset, where every request is a connection_reset on both paths);
// - requests, where the server or the schedule sets the pace (backend waits, open loops, think
//   times, large replies): within 15%. Run to run on this shared 2-CPU machine, with another test
//   beside it (ctest -j 2), the same path's counts moved by up to 6% in these cases;
// - requests, where the client's CPU sets the pace (a fast server in a closed loop): the path
//   under test at least 0.7x the oracle's. The two paths legitimately cost the client different
//   CPU per request (the ring reaps in batches; one user's round trip takes one more wake-up
//   hop on the ring), measured 0.78-1.17x with the client pinned; the defect this suite exists
//   for read 0.002-0.15x;
// - p50: within 15%, or within 150 us where it is below a millisecond (the ring times a response
//   by the kernel's receive time, the sockets path after its read: tens of microseconds apart,
//   and a loopback round trip on a busy machine moves by as much).
// Under ASan+UBSan (CI's sanitize-quick) the client's own CPU per request rises several-fold on
// both paths, unequally, and the client paces every case: each is then judged one-sided (measured
// under ASan here: Wait2ms16 0.78x, ThinkTimes p50 0.13 ms on the ring against 0.33 on sockets,
// Wait20ms256's reaps 6.5 ms late at its p99 with the client's CPU full). The defect this suite
// exists for read 0.01-0.54x, which one-sided bounds still catch.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/bad_server.h"
#include "tests/support/files.h"
#include "tests/support/loadgen_run.h"
#include "tests/support/process.h"

using namespace labtest;

namespace {

// Who sets the pace: the server or the schedule (both paths must agree within 15%), the client's
// CPU (the ring at least 0.7x the sockets path), or the client's connection churn against a
// server that resets every connection at once (at least 0.4x: the ring hands a 4 MiB send that
// must wait to a kernel worker thread, which under ctest -j 2's neighbour load made 0.63-0.68x
// the sockets path's connections twice in one run, 1.04-1.15x alone; what this case checks is
// the failures' kind, and a lost wake-up still reads under 0.2x).
enum class Pace { kServer, kClient, kChurn };

struct Case {
  const char* name;
  const char* model;                     // our server's model, or "" for BadServer's reset
  std::vector<std::string> server_args;  // (after --protocol http11)
  std::vector<std::string> load_args;
  Pace pace;
};

const std::vector<std::string> kFast = {};
const std::vector<std::string> kWait2 = {"--io-wait-ms", "2"};
const std::vector<std::string> kWait20 = {"--io-wait-ms", "20"};

std::vector<std::string> closed(int users) { return {"-u", std::to_string(users), "--max", "--keepalive"}; }

const Case kCases[] = {
    {"Fast1", "epoll", kFast, closed(1), Pace::kClient},
    {"Fast4", "epoll", kFast, closed(4), Pace::kClient},
    {"Fast16", "epoll", kFast, closed(16), Pace::kClient},
    {"Fast256", "epoll", kFast, closed(256), Pace::kClient},
    {"Wait2ms1", "asio", kWait2, closed(1), Pace::kServer},
    {"Wait2ms4", "asio", kWait2, closed(4), Pace::kServer},
    {"Wait2ms16", "asio", kWait2, closed(16), Pace::kServer},
    {"Wait2ms256", "asio", kWait2, closed(256), Pace::kClient},  // 128k/s asked: the CPUs set the pace
    {"Wait20ms1", "asio", kWait20, closed(1), Pace::kServer},
    {"Wait20ms4", "asio", kWait20, closed(4), Pace::kServer},
    {"Wait20ms16", "asio", kWait20, closed(16), Pace::kServer},
    {"Wait20ms256", "asio", kWait20, closed(256), Pace::kServer},
    {"OpenLoopOneConnection", "epoll", kFast, {"-u", "1", "--rate", "5000", "--keepalive"}, Pace::kServer},
    {"OpenLoop2000Connections",
     "epoll",
     kFast,
     {"-u", "2000", "-r", "0", "--rate", "4000", "--keepalive"},
     Pace::kServer},
    {"Reply300KB", "epoll", {"--body-bytes", "300000"}, closed(4), Pace::kClient},  // copies on both CPUs
    {"ThinkTimes", "epoll", kFast, {"-u", "100", "--wait", "between:10ms,30ms", "--keepalive"}, Pace::kServer},
    {"NewConnectionEach", "epoll", kFast, {"-u", "4", "--max"}, Pace::kClient},
    {"ResetDuringALargeRequest", "", {}, {"-u", "2", "--max", "--body", "@BIG"}, Pace::kChurn},
};

struct PathRun {
  nlohmann::json doc;
  std::uint64_t requests = 0;
  double p50_ms = 0;
  std::map<std::string, std::uint64_t> failures;  // by kind
};

PathRun run_on(const std::string& path, std::uint16_t port, const Case& c, const std::string& big) {
  std::vector<std::string> args = {"-H", url(port), "-t", "2s", "--timeout", "2s", "--client-io", path};
  for (const auto& a : c.load_args) args.push_back(a == "@BIG" ? "@" + big : a);
  int code = -1;
  PathRun r;
  r.doc = run_loadgen(args, tmp_json(std::string("paths-") + c.name + "-" + path), &code);
  EXPECT_FALSE(r.doc.is_null()) << path << ": no result (exit " << code << ")";
  if (r.doc.is_null()) return r;
  expect_consistent(r.doc);
  r.requests = r.doc["summary"]["requests"].get<std::uint64_t>();
  const auto& p = r.doc["summary"]["percentiles_ms"];
  r.p50_ms = p.is_object() && p.contains("50") && p["50"].is_number() ? p["50"].get<double>() : 0.0;
  for (const auto& e : r.doc["errors"]) r.failures[e["kind"].get<std::string>()] += e["count"].get<std::uint64_t>();
  return r;
}

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

// Where the ring and the oracle disagree, and how (empty: they agree).
std::vector<std::string> disagreements(const Case& c, const PathRun& oracle, const PathRun& ring) {
  std::vector<std::string> out;
  auto say = [&](const std::string& what) { out.push_back(what); };
  if (ring.doc["environment"]["client_io"] != "io_uring") say("the ring's run did not run on the ring");
  if (oracle.doc["environment"]["client_io"] != "sockets") say("the oracle's run did not run on sockets");
  if (oracle.requests == 0) return {"the oracle completed no request"};
  // Failures: the same kinds, each the same share of the requests (within 0.15).
  std::map<std::string, double> ring_share;
  std::map<std::string, double> oracle_share;
  for (const auto& [k, n] : ring.failures) ring_share[k] = static_cast<double>(n) / static_cast<double>(ring.requests);
  for (const auto& [k, n] : oracle.failures)
    oracle_share[k] = static_cast<double>(n) / static_cast<double>(oracle.requests);
  for (const auto& [k, share] : oracle_share)
    if (!ring_share.count(k) || std::fabs(ring_share[k] - share) > 0.15) say("the share of " + k + " failures");
  for (const auto& [k, share] : ring_share)
    if (!oracle_share.count(k)) say("failures of kind " + k + " on the ring only");
  // The ring's own evidence of a late client: none where the server sets the pace, unless the
  // machine held the client thread off its CPU (its timers woke as late: lag): a lost wake-up
  // leaves responses in the kernel while the timers still fire on time (seen in CI: reap p99
  // 7.8 ms with a build beside the run, twice).
  const nlohmann::json& rc = ring.doc["client"];
  const double reap = rc["reap_p99_ms"].is_number() ? rc["reap_p99_ms"].get<double>() : 0;
  const double lag = rc["lag_p99_ms"].is_number() ? rc["lag_p99_ms"].get<double>() : 0;
  if (c.pace == Pace::kServer && reap >= 5.0 && reap > 3 * lag)
    say("responses sat in the kernel unread: reap p99 " + std::to_string(reap) +
        " ms, while the client's timers were " + std::to_string(lag) + " ms late (p99)");
  const double ratio = static_cast<double>(ring.requests) / static_cast<double>(oracle.requests);
  if (c.pace == Pace::kServer ? std::fabs(ratio - 1.0) > 0.15 : ratio < (c.pace == Pace::kChurn ? 0.4 : 0.7))
    say("requests: ring " + std::to_string(ring.requests) + ", sockets " + std::to_string(oracle.requests));
  if (oracle.p50_ms > 0) {
    // (where the client sets the pace, a closed loop's p50 is its users over its rate, Little's
    // law: held to the same one-sided bound as the rate)
    const double diff =
        c.pace == Pace::kServer ? std::fabs(ring.p50_ms - oracle.p50_ms) : ring.p50_ms - oracle.p50_ms / 0.7;
    if (!(diff <= 0.15 * oracle.p50_ms || diff <= 0.150))
      say("p50: ring " + std::to_string(ring.p50_ms) + " ms, sockets " + std::to_string(oracle.p50_ms) + " ms");
  }
  std::printf("[ paths    ] %s: requests ring/sockets %.3f (%llu/%llu), p50 %.3f/%.3f ms\n", c.name, ratio,
              static_cast<unsigned long long>(ring.requests), static_cast<unsigned long long>(oracle.requests),
              ring.p50_ms, oracle.p50_ms);
  return out;
}

class ClientPaths : public ::testing::TestWithParam<Case> {};

// A disagreement is measured once more, the pair again: a path's defect disagrees both times (the
// lost wake-up did, every time), a burst of the machine's other work once (seen: one connection's
// open loop at p50 4.8 ms on the ring against 0.35 on sockets beside a 256-user run, then 0.07
// against 0.07 five times alone).
TEST_P(ClientPaths, EachPathAgreesWithTheSocketsPath) {
  Case c = GetParam();
  if (kSanitized && c.pace == Pace::kServer) c.pace = Pace::kClient;  // (see the top of this file)
  const std::string big = (temp_dir(std::string("paths-") + c.name) / "big.bin").string();
  std::ofstream(big) << std::string(4 << 20, 'x');  // 4 MiB: still being sent when the server resets
  std::unique_ptr<ServerProcess> server;
  std::unique_ptr<BadServer> bad;
  if (*c.model) {
    std::vector<std::string> args = {"--protocol", "http11"};
    args.insert(args.end(), c.server_args.begin(), c.server_args.end());
    server = std::make_unique<ServerProcess>(c.model, args);
  } else {
    bad = std::make_unique<BadServer>(BadServer::kReset);
  }
  const std::uint16_t port = server ? server->port() : bad->port();
  std::vector<std::string> first;
  std::vector<std::string> second;
  for (auto* verdict : {&first, &second}) {
    const PathRun oracle = run_on("sockets", port, c, big);
    const PathRun ring = run_on("uring", port, c, big);
    ASSERT_FALSE(oracle.doc.is_null());
    ASSERT_FALSE(ring.doc.is_null());
    *verdict = disagreements(c, oracle, ring);
    if (verdict->empty()) break;
  }
  if (server) {
    EXPECT_EQ(server->stop().code, 0);
  }
  std::string both;
  for (const auto* v : {&first, &second})
    for (const auto& d : *v) both += "\n  " + d;
  EXPECT_TRUE(first.empty() || second.empty()) << "the ring disagrees with sockets twice:" << both;
}

INSTANTIATE_TEST_SUITE_P(Workloads, ClientPaths, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
