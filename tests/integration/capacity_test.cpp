// loadgen capacity on targets whose capacity follows from their knobs: a pool of W workers,
// each blocking t per request, serves at most W / t. The search must find it within its
// resolution; a step the client limits is labelled so (never reported as the server's
// capacity); an SLO even the lowest step misses is reported as such, not as capacity zero.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/calibration.h"
#include "common/output_file.h"
#include "loadgen/capacity/document.h"
#include "tests/support/loadgen_run.h"
#include "tests/support/process.h"

using namespace labtest;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

struct CapacityRun {
  int code = -1;
  std::string err;
  nlohmann::json doc;
};

CapacityRun run_capacity(const std::vector<std::string>& args, const std::string& name) {
  const std::string json = tmp_json("capacity-" + name);
  std::vector<std::string> argv = {LOADGEN_BIN, "capacity", "--json", json};
  argv.insert(argv.end(), args.begin(), args.end());
  Process p(argv);
  CapacityRun r;
  r.code = p.wait(120s).code;
  r.err = p.err();
  if (fs::exists(json)) {
    r.doc = lab::read_json_file(json);
    fs::remove(json);
  }
  return r;
}

const std::vector<std::string> kQuickSteps = {"--warmup", "1s", "--measure", "1s", "--sweep-step", "500ms"};

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& more) {
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

}  // namespace

// Without -u the search uses its documented 50 connections (the run's default of 1 overwrote it).
TEST(Capacity, FiftyConnectionsUnlessToldOtherwise) {
  ServerProcess s("epoll");
  auto r = run_capacity({"-H", url(s.port()), "--slo", "p99=50ms", "--sweep", "none", "--budget", "8s", "--warmup",
                         "1s", "--measure", "1s", "--label", "epoll"},
                        "default-users");
  ASSERT_TRUE(r.doc.is_object()) << r.err;
  EXPECT_EQ(r.doc["workload"]["users"], 50);
  ASSERT_FALSE(r.doc["steps"].empty()) << r.err;
  EXPECT_EQ(r.doc["steps"][0]["result"]["workload"]["users"], 50);
  EXPECT_EQ(s.stop().code, 0);
}

// threadpool: 4 workers, each blocking 50 ms per request: 80 requests/s at most.
TEST(Capacity, AKnownCapacityIsFoundWithinTheResolution) {
  ServerProcess s("threadpool", {"--workers", "4", "--io-wait-ms", "50"});
  auto r = run_capacity(
      with({"-H", url(s.port()), "-u", "40", "--slo", "p99=1s", "--sweep", "1,2,4,8", "--label", "threadpool"},
           kQuickSteps),
      "known");
  ASSERT_TRUE(r.doc.is_object()) << r.err;
  EXPECT_EQ(r.code, 0) << r.err;
  const lab::CapacityDoc d = lab::capacity_from_json(r.doc, "known.json");
  EXPECT_EQ(d.status, "found") << d.verdict;
  ASSERT_TRUE(d.knee_step() && d.fail_step()) << d.verdict;
  const double knee = d.knee_step()->rate, fail = d.fail_step()->rate;
  EXPECT_GE(knee, 72.0) << "within 5% (and the measuring noise) of 80/s";
  EXPECT_LE(knee, 83.0) << "no more than the workers can do";
  EXPECT_LE(fail / knee, 1.05 + 1e-9) << "bracketed to the resolution";
  EXPECT_GE(d.steps.size(), 3u);
  ASSERT_TRUE(d.usl.has_value());
  EXPECT_EQ(d.sweep.size(), 4u);
  ASSERT_TRUE(d.users.has_value());
  EXPECT_NEAR(d.users->users, knee * (3 + d.users->response_s), 1e-6) << "Little's law: rate x (think + response)";
  EXPECT_FALSE(r.doc["steps"][0]["result"].is_null()) << "every step keeps its full result";
  EXPECT_EQ(s.stop().code, 0);
}

// One connection to a server whose requests each wait 10 ms carries at most 100 requests/s,
// whatever the server (an event loop overlapping its waits) could do: the client is the limit.
// The steps it limits are labelled so, and the result is a lower bound, never the server's
// capacity.
TEST(Capacity, AStepTheClientLimitedIsLabelledSoNotReportedAsCapacity) {
  ServerProcess s("epoll", {"--io-wait-ms", "10"});
  auto r = run_capacity(with({"-H", url(s.port()), "-u", "1", "--keepalive", "--slo", "p99=1s", "--sweep", "none",
                              "--start-rate", "50", "--resolution", "10%"},
                             kQuickSteps),
                        "client");
  ASSERT_TRUE(r.doc.is_object()) << r.err;
  EXPECT_EQ(r.code, 0) << "a lower bound was found";
  EXPECT_EQ(r.doc["status"], "client_bound") << r.doc["verdict"];
  ASSERT_FALSE(r.doc["first_fail_step"].is_null());
  const auto& fail = r.doc["steps"][r.doc["first_fail_step"].get<std::size_t>()];
  EXPECT_TRUE(fail["client_bound"].get<bool>()) << fail.dump().substr(0, 400);
  EXPECT_EQ(fail["failed"][0].get<std::string>().rfind("connections: 1 connections at", 0), 0u) << fail["failed"];
  ASSERT_FALSE(r.doc["knee_step"].is_null());
  EXPECT_LE(r.doc["steps"][r.doc["knee_step"].get<std::size_t>()]["rate"].get<double>(), 100.0);
  const std::string verdict = r.doc["verdict"];
  EXPECT_NE(verdict.find("the load generator, not the server"), std::string::npos) << verdict;
  EXPECT_NE(verdict.find("the server sustains at least"), std::string::npos) << verdict;
  EXPECT_EQ(s.stop().code, 0);
}

TEST(Capacity, AnSloEvenTheLowestStepMissesIsNotCapacityZero) {
  ServerProcess s("epoll", {"--io-wait-ms", "50"});
  auto r = run_capacity(
      with({"-H", url(s.port()), "-u", "4", "--slo", "p99=1ms", "--sweep", "none", "--start-rate", "8"}, kQuickSteps),
      "below");
  ASSERT_TRUE(r.doc.is_object()) << r.err;
  EXPECT_EQ(r.code, 5);
  EXPECT_EQ(r.doc["status"], "below_first_step");
  EXPECT_TRUE(r.doc["knee_step"].is_null());
  const std::string v = r.doc["verdict"].get<std::string>();
  EXPECT_NE(v.find("below that (not zero)"), std::string::npos) << v;
  EXPECT_NE(v.find("p99"), std::string::npos) << "names what failed: " << v;
  EXPECT_EQ(s.stop().code, 0);
}

TEST(Capacity, TheReportTablesAndChartsTheDocuments) {
  ServerProcess s("threadpool", {"--workers", "2", "--io-wait-ms", "50"});
  const fs::path dir = fs::temp_directory_path() / ("loadlab-capreport-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "backend");
  Process p({LOADGEN_BIN,   "capacity",     "-H",
             url(s.port()), "-u",           "20",
             "--slo",       "p99=1s",       "--sweep",
             "1,2,4",       "--warmup",     "1s",
             "--measure",   "1s",           "--sweep-step",
             "500ms",       "--resolution", "20%",
             "--label",     "threadpool",   "--workload-name",
             "backend",     "--json",       (dir / "backend" / "threadpool.json").string(),
             "-q"});
  ASSERT_EQ(p.wait(120s).code, 0) << p.err();
  // As make capacity leaves it: the server's knobs in the document, the machine's costs beside it.
  const std::string doc_path = (dir / "backend" / "threadpool.json").string();
  nlohmann::json doc = lab::read_json_file(doc_path);
  doc["server"] = {{"knobs",
                    {{"model", "threadpool"},
                     {"protocol", "seed"},
                     {"keepalive", "yes"},
                     {"io_wait_ms", 50},
                     {"io_wait", "blocking"},
                     {"work_us", 0},
                     {"body_bytes", -1}}},
                   {"args", "--model threadpool --workers 2 --io-wait-ms 50"}};
  lab::write_json_output(doc_path, doc);
  lab::Calibration cal;
  cal.created = "2026-11-30T22:00:00Z";
  for (const char* cost : {"tcp_accept_close", "loopback_round_trip", "context_switch"})
    cal.costs[cost] = lab::summarize(cost, {10, 10, 10}, 1);
  lab::write_json_output((dir / "calibration.json").string(), lab::to_json(cal));
  Process rep({LOADGEN_BIN, "capacity-report", dir.string()});
  ASSERT_EQ(rep.wait(30s).code, 0) << rep.err();
  std::ifstream md(dir / "summary.md"), html(dir / "report.html");
  std::stringstream m, h;
  m << md.rdbuf();
  h << html.rdbuf();
  EXPECT_NE(m.str().find("## backend"), std::string::npos) << m.str();
  EXPECT_NE(m.str().find("| threadpool |"), std::string::npos) << m.str();
  EXPECT_NE(h.str().find("data-knee=\""), std::string::npos) << "the knee is marked";
  EXPECT_NE(h.str().find("data-curve=\"usl\""), std::string::npos) << "the USL curve is drawn";
  // 2 workers each waiting 50 ms: predicted 2 / (50 ms + 35 us: accept+close 10, half a round trip 5, two switches 20)
  // = 39.97/s, and found within 10%
  EXPECT_NE(m.str().find("| predicted (req/s) | measured / predicted |"), std::string::npos) << m.str();
  EXPECT_NE(m.str().find("threadpool: 2 threads / (50 ms wait + 35.0 us) = 40/s"), std::string::npos) << m.str();
  const lab::CapacityDoc d = lab::capacity_from_json(lab::read_json_file(doc_path), doc_path);
  ASSERT_TRUE(d.knee_step()) << d.verdict;
  EXPECT_NEAR(d.knee_step()->rate / (2 / (0.050 + 35e-6)), 1.0, 0.10) << "the prediction within 10% of the measurement";
  EXPECT_NE(h.str().find("Predicted from this machine's costs"), std::string::npos) << "and in the report";
  // The same costs from another machine predict that machine: none here, and the report says why.
  cal.host["hostname"] = "another-machine.example";
  lab::write_json_output((dir / "calibration.json").string(), lab::to_json(cal));
  Process other({LOADGEN_BIN, "capacity-report", dir.string()});
  ASSERT_EQ(other.wait(30s).code, 0) << other.err();
  std::ifstream md2(dir / "summary.md");
  std::stringstream m2;
  m2 << md2.rdbuf();
  EXPECT_EQ(m2.str().find("predicted (req/s)"), std::string::npos) << m2.str();
  EXPECT_NE(m2.str().find("none: calibration.json was made on another machine (host another-machine.example there"),
            std::string::npos)
      << m2.str();
  fs::remove_all(dir);
  EXPECT_EQ(s.stop().code, 0);
}

TEST(Capacity, CliMistakesNameTheFlag) {
  for (const auto& [args, expect] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"-H", "http://127.0.0.1:1"}, "--slo is required"},
           {{"-H", "http://127.0.0.1:1", "--slo", "rps=100"}, "--slo"},
           {{"-H", "http://127.0.0.1:1", "--slo", "p99>5ms"}, "an objective is an upper limit"},
           {{"-H", "http://127.0.0.1:1", "--slo", "p99=5ms", "--resolution", "0"}, "--resolution"},
           {{"-H", "http://127.0.0.1:1", "--slo", "p99=5ms", "--sweep", "1,x"}, "--sweep"},
           {{"-H", "http://127.0.0.1:1", "--slo", "p99=5ms", "--warmup", "1500ms"}, "--warmup: whole seconds"},
           {{"-H", "http://127.0.0.1:1", "--slo", "p99=5ms", "--json", "/nonexistent/x.json"}, "--json: the folder"},
           {{"-H", "http://127.0.0.1:1", "--slo", "p99{name=checkout}=5ms"},
            "--slo: 'p99{name=checkout}<=5ms' names a request, but this run has no request names"}}) {
    std::vector<std::string> argv = {LOADGEN_BIN, "capacity"};
    argv.insert(argv.end(), args.begin(), args.end());
    Process p(argv);
    EXPECT_EQ(p.wait(20s).code, 2) << expect;
    EXPECT_NE(p.err().find(expect), std::string::npos) << p.err();
  }
}
