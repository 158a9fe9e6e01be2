// Results that cannot mislead: a dead target, a 404 target, a redirect and a TLS port each end
// non-zero with the reason in words; thresholds decide the exit code; outputs go where they
// are pointed without replacing links, devices or FIFOs, and a bad output path is caught
// before the run; the series keeps its users to the end and marks a partial last second; a
// rate too high for its connections warns and counts what was never sent.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "common/net.h"
#include "common/output_file.h"
#include "tests/support/bad_server.h"
#include "tests/support/loadgen_run.h"
#include "tests/support/process.h"

using namespace labtest;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::uint16_t closed_port() {
  lab::ListenOptions o;
  std::string err;
  int l = lab::make_listener(o, err);
  const std::uint16_t port = lab::local_port(l);
  close(l);
  return port;
}

fs::path temp_dir(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("loadlab-truth-" + name + "-" + std::to_string(getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

const std::vector<std::string> kQuick = {"-u", "3", "--wait-min", "0.05", "--wait-max", "0.1"};

std::vector<std::string> args(std::vector<std::string> a) {
  a.insert(a.end(), kQuick.begin(), kQuick.end());
  return a;
}

}  // namespace

// A target that is down: stopped after --abort-after (2 s) of a 30 s run, exit 5, the reason
// in words, no latency (null, not 0).
TEST(LoadgenTruth, ADeadTargetEndsEarlyWithTheReason) {
  int code = -1;
  std::string err;
  const auto t0 = std::chrono::steady_clock::now();
  auto j = run_loadgen(args({"-H", url(closed_port()), "-t", "30s"}), tmp_json("dead"), &code, &err);
  const auto took = std::chrono::steady_clock::now() - t0;
  expect_consistent(j);
  EXPECT_EQ(code, 5);
  EXPECT_LT(took, 10s) << "it must not run to the end of --run-time";
  EXPECT_EQ(j["status"], "failed");
  const std::string why = j["error"].get<std::string>();
  EXPECT_NE(why.find("no request succeeded"), std::string::npos) << why;
  EXPECT_NE(why.find("connection_refused"), std::string::npos) << why;
  EXPECT_NE(why.find("is the server running?"), std::string::npos) << why;
  EXPECT_NE(err.find("is the server running?"), std::string::npos) << "said on stderr too: " << err;
  EXPECT_TRUE(j["summary"]["percentiles_ms"]["50"].is_null());
  EXPECT_TRUE(j["summary"]["avg_ms"].is_null());
}

// Every response a 404: a failure of its own kind, the status counted, exit 5; with
// --expect-status 404 the same run is a success.
TEST(LoadgenTruth, StatusCodesAreCountedAndOnlyExpectedOnesSucceed) {
  BadServer nf(BadServer::kNotFound);
  int code = -1;
  auto j = run_loadgen(args({"-H", url(nf.port()), "-t", "1s"}), tmp_json("404"), &code);
  expect_consistent(j);
  EXPECT_EQ(code, 5);
  EXPECT_EQ(j["status"], "failed");
  EXPECT_GT(errors_of(j, "http_404"), 0u) << j["errors"].dump();
  EXPECT_EQ(j["summary"]["status_codes"]["404"], j["summary"]["requests"]);
  auto ok = run_loadgen(args({"-H", url(nf.port()), "-t", "1s", "--expect-status", "404"}), tmp_json("404ok"), &code);
  expect_consistent(ok);
  EXPECT_EQ(code, 0);
  EXPECT_EQ(ok["status"], "ok");
  EXPECT_EQ(ok["summary"]["failures"], 0);
  BadServer redirect(BadServer::kRedirect);
  auto r = run_loadgen(args({"-H", url(redirect.port()), "-t", "1s"}), tmp_json("302"), &code);
  EXPECT_EQ(code, 5) << "a redirect is not a success by default";
  EXPECT_GT(errors_of(r, "http_302"), 0u) << r["errors"].dump();
  std::string err;
  run_loadgen(args({"-H", url(nf.port()), "-t", "1s", "--expect-status", "2xy"}), tmp_json("bad"), &code, &err);
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("--expect-status"), std::string::npos) << err;
}

// Plain HTTP sent to a TLS port: the TLS record is recognised and the user told to use https.
TEST(LoadgenTruth, ATlsPortIsRecognised) {
  BadServer tls(BadServer::kTlsAlert);
  int code = -1;
  auto j = run_loadgen(args({"-H", url(tls.port()), "-t", "1s"}), tmp_json("tls"), &code);
  expect_consistent(j);
  EXPECT_EQ(code, 5);
  EXPECT_GT(errors_of(j, "tls_response"), 0u) << j["errors"].dump();
  EXPECT_NE(j["error"].get<std::string>().find("https://"), std::string::npos) << j["error"];
}

TEST(LoadgenTruth, ThresholdsAreRecordedAndDecideTheExitCode) {
  ServerProcess s("epoll");
  int code = -1;
  auto j = run_loadgen(args({"-H", url(s.port()), "-t", "1s", "--threshold", "p99<10s", "--threshold", "errors<1%",
                             "--threshold", "rps>1000000"}),
                       tmp_json("thresholds"), &code);
  expect_consistent(j);
  EXPECT_EQ(code, 6);
  ASSERT_EQ(j["thresholds"].size(), 3u);
  EXPECT_EQ(j["thresholds"][0]["expr"], "p99<10s");
  EXPECT_EQ(j["thresholds"][0]["limit"], 10000.0) << "in ms";
  EXPECT_TRUE(j["thresholds"][0]["held"].get<bool>());
  EXPECT_TRUE(j["thresholds"][1]["held"].get<bool>());
  EXPECT_FALSE(j["thresholds"][2]["held"].get<bool>());
  EXPECT_GT(j["thresholds"][2]["actual"].get<double>(), 0.0);
  auto held = run_loadgen(args({"-H", url(s.port()), "-t", "1s", "--threshold", "p99<10s"}), tmp_json("held"), &code);
  EXPECT_EQ(code, 0);
  std::string err;
  run_loadgen(args({"-H", url(s.port()), "-t", "1s", "--threshold", "p99<5 parsecs"}), tmp_json("bad"), &code, &err);
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("--threshold"), std::string::npos) << err;
  EXPECT_EQ(s.stop().code, 0);
}

// The result goes where it is pointed: through a symlink (the link stays a link), into a FIFO
// (never replaced by a regular file), to standard output with "-". (Renaming a temporary file
// over /dev/stdout, as root, used to replace that symlink with a regular file.)
TEST(LoadgenTruth, OutputsNeverReplaceLinksFifosOrDevices) {
  ServerProcess s("epoll");
  const fs::path dir = temp_dir("outputs");
  const fs::path real = dir / "real.json", link = dir / "link.json", fifo = dir / "fifo.json";
  fs::create_symlink(real, link);
  int code = -1;
  Process p1({LOADGEN_BIN, "-H", url(s.port()), "-t", "1s", "-u", "2", "--json", link.string(), "-q"});
  EXPECT_EQ(p1.wait(30s).code, 0) << p1.err();
  EXPECT_TRUE(fs::is_symlink(link)) << "the link must stay a link";
  EXPECT_NO_THROW((void)lab::read_json_file(real.string()));
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::string from_fifo;
  std::thread reader([&] {
    std::ifstream f(fifo);
    std::stringstream ss;
    ss << f.rdbuf();
    from_fifo = ss.str();
  });
  Process p2({LOADGEN_BIN, "-H", url(s.port()), "-t", "1s", "-u", "2", "--json", fifo.string(), "-q"});
  EXPECT_EQ(p2.wait(30s).code, 0) << p2.err();
  reader.join();
  struct stat st {};
  ASSERT_EQ(lstat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode)) << "the FIFO must stay a FIFO";
  EXPECT_TRUE(nlohmann::json::accept(from_fifo)) << from_fifo;
  Process p3({LOADGEN_BIN, "-H", url(s.port()), "-t", "1s", "-u", "2", "--json", "-", "-q"});
  EXPECT_EQ(p3.wait(30s).code, 0) << p3.err();
  auto doc = nlohmann::json::parse(p3.out());
  EXPECT_EQ(doc["schema"], "loadlab.result");
  (void)code;
  fs::remove_all(dir);
  EXPECT_EQ(s.stop().code, 0);
}

// An output that cannot be written is found before the run, not after it.
TEST(LoadgenTruth, AnUnwritableOutputIsRefusedBeforeTheRun) {
  ServerProcess s("epoll");
  for (const auto& [flag, path] : {std::pair<std::string, std::string>{"--json", "/nonexistent/dir/out.json"},
                                   {"--csv", "/nonexistent/dir/out"}}) {
    const auto t0 = std::chrono::steady_clock::now();
    Process p({LOADGEN_BIN, "-H", url(s.port()), "-t", "30s", flag, path});
    ExitStatus st = p.wait(20s);
    EXPECT_EQ(st.code, 2) << flag;
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s) << flag << ": refused before the 30 s run";
    EXPECT_NE(p.err().find(flag + ": the folder /nonexistent/dir does not exist"), std::string::npos) << p.err();
  }
  EXPECT_EQ(s.stop().code, 0);
}

// Users whose next request falls after the end are still active: the last second keeps every
// user (it used to fall to 0: a ramp-down that never happened). A last second shorter than a
// second is marked partial.
TEST(LoadgenTruth, TheSeriesKeepsItsUsersAndMarksAPartialLastSecond) {
  ServerProcess s("epoll");
  auto j = run_loadgen({"-H", url(s.port()), "-u", "20", "-t", "2500ms", "--wait-min", "0.3", "--wait-max", "0.6"},
                       tmp_json("series"));
  expect_consistent(j);
  const auto& series = j["series"];
  ASSERT_EQ(series.size(), 3u);
  for (const auto& p : series) EXPECT_EQ(p["users"], 20) << p.dump();
  EXPECT_FALSE(series[1]["partial"].get<bool>());
  EXPECT_TRUE(series[2]["partial"].get<bool>());
  EXPECT_NEAR(series[2]["length_s"].get<double>(), 0.5, 0.05);
  EXPECT_EQ(j["workload"]["seed"], 1) << "what reproduces the run";
  EXPECT_EQ(j["command_line"][0], LOADGEN_BIN);
  EXPECT_EQ(s.stop().code, 0);
}

// A rate one connection cannot carry: a warning first; then what was never sent is counted and
// belongs to the corrected latency (each such request waited at least until the end).
TEST(LoadgenTruth, ARateTooHighForItsConnectionsWarnsAndCountsTheUnsent) {
  BadServer slow(BadServer::kInterimThenOk);  // 50 ms per request
  int code = -1;
  std::string err;
  auto j = run_loadgen({"-H", url(slow.port()), "-u", "1", "--rate", "1000", "-t", "1s", "--keepalive"},
                       tmp_json("unsent"), &code, &err);
  expect_consistent(j);
  EXPECT_NE(err.find("warning: --rate 1000 over 1 connection(s)"), std::string::npos) << err;
  const auto unsent = j["summary"]["unsent"].get<std::uint64_t>();
  EXPECT_GT(unsent, 900u) << "about 1,000 scheduled, about 20 sent";
  EXPECT_EQ(j["histogram"]["count"].get<std::uint64_t>(), j["summary"]["successes"].get<std::uint64_t>() + unsent);
}

// A client that falls behind its schedule says so: the run is marked client-bound, with why.
// (A limit of 1 ns stands in for an overloaded machine: any lateness exceeds it.)
TEST(LoadgenTruth, AClientThatFellBehindIsMarkedClientBound) {
  ServerProcess s("epoll");
  int code = -1;
  auto j =
      run_loadgen(args({"-H", url(s.port()), "-t", "1s", "--max-client-lag", "0.000001"}), tmp_json("bound"), &code);
  expect_consistent(j);
  EXPECT_EQ(code, 0) << "the run itself is fine";
  EXPECT_TRUE(j["client"]["bound"].get<bool>()) << j["client"];
  EXPECT_NE(j["client"]["reason"].get<std::string>().find("late (p99"), std::string::npos) << j["client"];
  EXPECT_GT(j["client"]["lag_p99_ms"].get<double>(), 0.0);
  auto healthy = run_loadgen(args({"-H", url(s.port()), "-t", "1s", "--max-client-lag", "1000"}), tmp_json("healthy"));
  EXPECT_FALSE(healthy["client"]["bound"].get<bool>()) << healthy["client"];
  EXPECT_EQ(s.stop().code, 0);
}
