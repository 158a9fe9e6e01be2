// Results that cannot mislead: a dead target, a 404 target, a redirect and a TLS port each end
// non-zero with the reason in words; thresholds decide the exit code; outputs go where they
// are pointed without replacing links, devices or FIFOs, and a bad output path is caught
// before the run; the series keeps its users to the end and marks a partial last second; a
// rate too high for its connections warns and counts what was never sent.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
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
#include "tests/support/recording_server.h"
#include "tests/support/result_docs.h"

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

// A client is client-bound on its own evidence only. Idle, with any lateness over the limit
// (1 ns stands in for a machine whose timers wake late), it is not: the lag is reported, the
// verdict is not the client's (a multiprocess run at 13% client CPU read "CLIENT-BOUND").
// Driven past what its one thread can send, it is, and says why.
TEST(LoadgenTruth, ClientBoundNeedsTheClientsOwnEvidence) {
  ServerProcess s("epoll");
  auto idle = run_loadgen(args({"-H", url(s.port()), "-t", "2s", "--max-client-lag", "0.000001"}), tmp_json("idle"));
  expect_consistent(idle);
  EXPECT_FALSE(idle["client"]["bound"].get<bool>()) << idle["client"];
  EXPECT_GT(idle["client"]["lag_p99_ms"].get<double>(), 0.0) << "the lag is still measured and shown";
  EXPECT_LT(idle["client"]["cpu_pct"].get<double>(), 50.0) << idle["client"];
  int code = -1;
  auto busy = run_loadgen({"-H", url(s.port()), "-u", "50", "--keepalive", "--rate", "400000", "-t", "2s"},
                          tmp_json("busy"), &code);
  expect_consistent(busy);
  EXPECT_EQ(code, 0) << "the run itself is fine";
  EXPECT_TRUE(busy["client"]["bound"].get<bool>()) << busy["client"];
  const std::string why = busy["client"]["reason"];
  EXPECT_TRUE(why.find("busy") != std::string::npos) << why;
  for (const auto& p : busy["series"]) {
    if (!p["partial"].get<bool>()) {
      EXPECT_GT(p["busy_pct"].get<double>(), 50.0) << "on a CPU or waiting for one: " << p.dump();
    }
  }
  EXPECT_EQ(s.stop().code, 0);
}

// --rate is bounded by what a nanosecond clock can space; a rate at the bound ends on time and
// counts its unsent slots in closed form. (An interval that truncated to 0 ns hung after the run,
// deaf to SIGTERM; 4e7/s made a 1 s run last 2 s, recording each unsent slot under a lock.)
TEST(LoadgenTruth, AnyRateEndsOnTimeAndCountsWhatItNeverSent) {
  ServerProcess s("epoll");
  int code = -1;
  std::string err;
  run_loadgen({"-H", url(s.port()), "--rate", "4e9", "-t", "1s"}, tmp_json("too-high"), &code, &err);
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("--rate: at most 1e9 requests/s"), std::string::npos) << err;
  const auto t0 = std::chrono::steady_clock::now();
  auto j = run_loadgen({"-H", url(s.port()), "-u", "1", "--rate", "1e9", "-t", "1s", "--keepalive"}, tmp_json("1e9"),
                       &code, &err);
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(code, 0) << err;
  expect_consistent(j);
  EXPECT_LT(took, 15s) << "recording a billion unsent slots one by one takes a minute";
  const double sent = j["summary"]["requests"].get<double>(), unsent = j["summary"]["unsent"].get<double>();
  const double ideal = j["summary"]["ideal_requests"].get<double>();
  EXPECT_NEAR(sent + unsent, ideal, 0.01 * ideal) << "every slot of the schedule is sent or counted unsent";
  EXPECT_EQ(s.stop().code, 0);
}

// A second SIGINT/SIGTERM ends the process whatever it is doing (here: waiting for a reader on
// its FIFO output, which before waited forever, deaf to signals).
TEST(LoadgenTruth, ASecondSignalAlwaysEndsIt) {
  ServerProcess s("epoll");
  const fs::path dir = temp_dir("signals");
  const fs::path fifo = dir / "out.json";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  Process p({LOADGEN_BIN, "-H", url(s.port()), "-t", "1s", "-u", "2", "--json", fifo.string(), "-q"});
  std::this_thread::sleep_for(2500ms);  // the run is over; the result waits for a reader
  p.signal(SIGTERM);
  std::this_thread::sleep_for(100ms);
  p.signal(SIGTERM);
  const ExitStatus st = p.wait(5s);
  EXPECT_TRUE(st.exited) << "still running after two SIGTERMs";
  EXPECT_EQ(st.code, 130);
  EXPECT_NE(p.err().find("interrupted again"), std::string::npos) << p.err();
  fs::remove_all(dir);
  EXPECT_EQ(s.stop().code, 0);
}

// --json /dev/stdout into a pipe (exit 4 and no result before) or a redirected file (replaced,
// losing the table before): the descriptor the path names gets the document, the table stderr.
TEST(LoadgenTruth, DevStdoutIsTheDescriptorItNames) {
  ServerProcess s("epoll");
  Process piped({LOADGEN_BIN, "-H", url(s.port()), "-t", "1s", "-u", "2", "--json", "/dev/stdout"});
  const ExitStatus st = piped.wait(30s);
  EXPECT_EQ(st.code, 0) << piped.err();
  const auto doc = nlohmann::json::parse(piped.out(), nullptr, false);
  EXPECT_EQ(doc.value("schema", ""), "loadlab.result") << piped.out().substr(0, 300);
  EXPECT_NE(piped.err().find("Response time percentiles"), std::string::npos) << "the table goes to stderr";
  // into a file that holds other output already: appended, never replaced
  const fs::path dir = temp_dir("stdout-file");
  const fs::path out = dir / "all.txt";
  const std::string cmd = "(echo before; " + std::string(LOADGEN_BIN) + " -H " + url(s.port()) +
                          " -t 1s -u 2 -q --json /dev/stdout) > " + out.string();
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::ifstream f(out);
  std::string first;
  std::getline(f, first);
  EXPECT_EQ(first, "before") << "the file was replaced";
  std::stringstream rest;
  rest << f.rdbuf();
  EXPECT_TRUE(nlohmann::json::accept(rest.str())) << rest.str().substr(0, 300);
  fs::remove_all(dir);
  EXPECT_EQ(s.stop().code, 0);
}

// Numbers that are not numbers, or beyond any sense, are usage errors naming the flag: NaN
// passes every comparison (a --wait-max of nan ran; a threshold of nan held).
TEST(LoadgenTruth, NanAndUnboundedNumbersAreRefused) {
  struct Bad {
    std::vector<std::string> args;
    const char* says;
  };
  const Bad cases[] = {
      {{"--wait-max", "nan"}, "--wait-max"},
      {{"--wait-min", "inf"}, "--wait-min"},
      {{"--wait-max", "1e300"}, "--wait-max"},
      {{"--spawn-rate", "nan"}, "--spawn-rate"},
      {{"--rate", "nan"}, "--rate"},
      {{"--threshold", "pnan<5ms"}, "--threshold"},
      {{"--threshold", "p99<nanms"}, "--threshold"},
      {{"--max-client-lag", "nan"}, "--max-client-lag"},
      {{"--body", "@/"}, "--body"},  // a folder is not a body (it read as an empty one)
  };
  for (const auto& c : cases) {
    std::vector<std::string> argv = {LOADGEN_BIN, "-H", "http://127.0.0.1:1/", "-t", "1s"};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    Process p(argv);
    EXPECT_EQ(p.wait(10s).code, 2) << c.args[0] << " " << c.args[1];
    EXPECT_NE(p.err().find(c.says), std::string::npos) << p.err();
  }
  Process slo({LOADGEN_BIN, "capacity", "-H", "http://127.0.0.1:1/", "--slo", "p99=nanms"});
  EXPECT_EQ(slo.wait(10s).code, 2);
  EXPECT_NE(slo.err().find("--slo"), std::string::npos) << slo.err();
}

// Secrets stay out of every output: the URL's user:pass@, credential headers and --body TEXT
// are redacted in the JSON and the CSVs (and the workload says so); the requests still carry them.
TEST(LoadgenTruth, SecretsAreRedactedInEveryOutput) {
  RecordingServer rec;
  const fs::path dir = temp_dir("secrets");
  const std::string target = "http://alice:s3cret-pw@127.0.0.1:" + std::to_string(rec.port()) + "/";
  int code = -1;
  std::string err;
  auto j = run_loadgen(
      {"-H", target, "-u", "1", "-t", "1s", "--max", "--keepalive", "--header", "Authorization: Bearer tok-123",
       "--header", "Cookie: sid=c00kie", "-X", "POST", "--body", "pw=hunter2", "--csv", (dir / "run").string()},
      tmp_json("secrets"), &code, &err);
  EXPECT_EQ(code, 0) << err;
  ASSERT_FALSE(j.is_null());
  std::string all = j.dump();
  for (const char* csv : {"_stats.csv", "_stats_history.csv", "_failures.csv"}) {
    std::ifstream f(dir / ("run" + std::string(csv)));
    std::stringstream ss;
    ss << f.rdbuf();
    all += ss.str();
  }
  for (const char* secret : {"s3cret-pw", "alice", "tok-123", "c00kie", "hunter2"})
    EXPECT_EQ(all.find(secret), std::string::npos) << secret << " leaked";
  EXPECT_EQ(j["workload"]["url"], "http://REDACTED@127.0.0.1:" + std::to_string(rec.port()) + "/");
  const auto redacted = j["workload"]["redacted"].dump();
  for (const char* what : {"url userinfo", "header Authorization", "header Cookie", "body"})
    EXPECT_NE(redacted.find(what), std::string::npos) << redacted;
  const std::string wire = rec.requests().empty() ? "" : rec.requests().front();
  EXPECT_NE(wire.find("Authorization: Bearer tok-123"), std::string::npos) << "the wire keeps them: " << wire;
  EXPECT_NE(wire.find("pw=hunter2"), std::string::npos) << wire;
  fs::remove_all(dir);
}

// A scenario file whose mistake follows a deeply nested value: the error names the line at once
// (the old line map was quadratic and recursive: 16 KB took 1.2 s and 166 MB, this one overflowed
// the stack); a number no double holds is a JSON error, not an uncaught exception.
TEST(LoadgenTruth, ScenarioMistakesAreFoundInLinearTime) {
  const fs::path dir = temp_dir("scenario-deep");
  const int depth = 200000;
  {
    std::ofstream f(dir / "deep.json");
    f << "{\"requests\": [{\"path\": \"/\", \"body\": " << std::string(depth, '[') << std::string(depth, ']')
      << "}],\n \"bogus\": 1}\n";
    std::ofstream g(dir / "big.json");
    g << "{\"requests\": [{\"path\": \"/\", \"weight\": 1e999}]}\n";
  }
  Process deep({LOADGEN_BIN, "-H", "http://127.0.0.1:1/", "--scenario", (dir / "deep.json").string()});
  EXPECT_EQ(deep.wait(30s).code, 2) << deep.err();
  EXPECT_NE(deep.err().find("deep.json:2: bogus: is not a field here"), std::string::npos) << deep.err().substr(0, 300);
  Process big({LOADGEN_BIN, "-H", "http://127.0.0.1:1/", "--scenario", (dir / "big.json").string()});
  EXPECT_EQ(big.wait(30s).code, 2) << big.err();
  EXPECT_NE(big.err().find("not valid JSON: number overflow"), std::string::npos) << big.err();
  fs::remove_all(dir);
}

// `loadgen aggregate` names each model's file after its label: a label with a path in it stays
// inside the run folder (it could write anywhere).
TEST(LoadgenTruth, AggregateKeepsEveryLabelInsideTheRunFolder) {
  const fs::path dir = temp_dir("aggregate-label");
  fs::create_directories(dir / "run" / "repeats");
  for (int r = 1; r <= 2; ++r)
    lab::write_json_output((dir / "run" / "repeats" / ("x.r" + std::to_string(r) + ".json")).string(),
                           labtest::make_result("../escaped", 100 * r, 1));
  Process p({LOADGEN_BIN, "aggregate", (dir / "run").string()});
  EXPECT_EQ(p.wait(30s).code, 0) << p.err();
  EXPECT_FALSE(fs::exists(dir / "escaped.json")) << "written outside the run folder";
  EXPECT_TRUE(fs::exists(dir / "run" / "_.._escaped.json"));
  fs::remove_all(dir);
}
