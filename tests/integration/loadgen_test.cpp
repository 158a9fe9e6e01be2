// loadgen end to end: against our server, and against a misbehaving in-test server.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/net.h"
#include "common/result_json.h"
#include "tests/support/client.h"
#include "tests/support/process.h"

using namespace labtest;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::string tmp_json(const std::string& name) {
  return (fs::temp_directory_path() / ("loadlab-lg-" + std::to_string(getpid()) + "-" + name + ".json")).string();
}

nlohmann::json run_loadgen(const std::vector<std::string>& args, const std::string& json, int* code = nullptr,
                           std::string* err = nullptr) {
  std::vector<std::string> argv = {LOADGEN_BIN, "--json", json, "-q"};
  argv.insert(argv.end(), args.begin(), args.end());
  Process p(argv);
  ExitStatus st = p.wait(60s);
  if (code) *code = st.code;
  if (err) *err = p.err();
  if (!fs::exists(json)) return nullptr;
  auto j = lab::read_json_file(json);
  fs::remove(json);
  return j;
}

// Checks the invariants every result document must keep.
void expect_consistent(const nlohmann::json& j) {
  ASSERT_TRUE(j.is_object());
  EXPECT_NO_THROW(lab::validate_result(j, "result"));
  const auto& s = j["summary"];
  EXPECT_EQ(s["requests"].get<std::uint64_t>(), s["successes"].get<std::uint64_t>() + s["failures"].get<std::uint64_t>());
  std::uint64_t req = 0, fail = 0;
  for (const auto& p : j["series"]) {
    req += p["requests"].get<std::uint64_t>();
    fail += p["failures"].get<std::uint64_t>();
  }
  EXPECT_EQ(req, s["requests"].get<std::uint64_t>()) << "the per-second series must sum to the totals";
  EXPECT_EQ(fail, s["failures"].get<std::uint64_t>());
  std::uint64_t by_kind = 0;
  for (const auto& e : j["errors"]) by_kind += e["count"].get<std::uint64_t>();
  EXPECT_EQ(by_kind, s["failures"].get<std::uint64_t>()) << "every failure has a kind";
  EXPECT_EQ(j["histogram"]["count"].get<std::uint64_t>(), s["successes"].get<std::uint64_t>());
}

std::uint64_t errors_of(const nlohmann::json& j, const std::string& kind) {
  for (const auto& e : j["errors"])
    if (e["kind"] == kind) return e["count"].get<std::uint64_t>();
  return 0;
}

// A server that misbehaves on purpose, on its own thread.
class BadServer {
 public:
  enum Mode { kReset, kGarbage, kStall, kError500 };
  explicit BadServer(Mode m) : mode_(m) {
    lab::ListenOptions o;
    o.nonblocking = true;
    std::string err;
    fd_ = lab::make_listener(o, err);
    port_ = lab::local_port(fd_);
    thread_ = std::thread([this] { loop(); });
  }
  ~BadServer() {
    stop_ = true;
    thread_.join();
    for (int c : held_) close(c);
    close(fd_);
  }
  std::uint16_t port() const { return port_; }

 private:
  void loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      char buf[4096];
      pollfd q{c, POLLIN, 0};
      if (poll(&q, 1, 1000) > 0) (void)!recv(c, buf, sizeof buf, 0);
      switch (mode_) {
        case kReset: set_abortive_close(c); close(c); break;
        case kGarbage: send_all(c, "HELLO THERE\r\n\r\n"); close(c); break;
        case kStall: held_.push_back(c); break;
        case kError500:
          send_all(c, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
          close(c);
          break;
      }
    }
  }
  Mode mode_;
  int fd_;
  std::uint16_t port_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::vector<int> held_;
};

std::string url(std::uint16_t port) { return "http://127.0.0.1:" + std::to_string(port); }

}  // namespace

TEST(Loadgen, UsersModeAgainstOurServerCountsAddUp) {
  ServerProcess s("epoll");
  auto j = run_loadgen({"-H", url(s.port()), "-u", "50", "-r", "100", "-t", "3s", "--wait-min", "0.05", "--wait-max",
                        "0.1", "--label", "epoll"},
                       tmp_json("users"));
  expect_consistent(j);
  EXPECT_EQ(j["label"], "epoll");
  EXPECT_EQ(j["workload"]["mode"], "users");
  EXPECT_GT(j["summary"]["requests"].get<int>(), 500);
  EXPECT_EQ(j["summary"]["failures"].get<int>(), 0);
  EXPECT_EQ(j["series"].size(), 3u);
  // 50 users waiting 75 ms on average for 3 s: fidelity against the ideal schedule
  EXPECT_GT(j["summary"]["schedule_fidelity"].get<double>(), 0.8);
  EXPECT_EQ(s.stop().code, 0);
}

TEST(Loadgen, MaxAndRateModesWithKeepAlive) {
  ServerProcess s("epoll", {"--protocol", "http11"});
  auto m = run_loadgen({"-H", url(s.port()), "-u", "4", "--max", "--keepalive", "-t", "2s"}, tmp_json("max"));
  expect_consistent(m);
  EXPECT_EQ(m["workload"]["mode"], "max");
  EXPECT_TRUE(m["summary"]["ideal_requests"].is_null());
  EXPECT_GT(m["summary"]["requests"].get<int>(), 1000);
  auto r = run_loadgen({"-H", url(s.port()), "-u", "4", "--rate", "200", "-t", "2s", "--poisson"}, tmp_json("rate"));
  expect_consistent(r);
  EXPECT_EQ(r["workload"]["mode"], "rate");
  EXPECT_NEAR(r["summary"]["schedule_fidelity"].get<double>(), 1.0, 0.25);
  EXPECT_TRUE(r.contains("uncorrected"));
  EXPECT_EQ(s.stop().code, 0);
}

TEST(Loadgen, NothingListeningIsConnectionRefused) {
  int probe = socket(AF_INET, SOCK_STREAM, 0);
  lab::ListenOptions o;
  std::string err;
  int l = lab::make_listener(o, err);
  std::uint16_t port = lab::local_port(l);
  close(l);  // the port is now closed
  close(probe);
  int code = -1;
  auto j = run_loadgen({"-H", url(port), "-u", "5", "-t", "1s", "--wait-min", "0.05", "--wait-max", "0.1",
                        "--fail-on-errors"},
                       tmp_json("refused"), &code);
  expect_consistent(j);
  EXPECT_EQ(code, 1);  // --fail-on-errors
  EXPECT_GT(errors_of(j, "connection_refused"), 0u);
  EXPECT_EQ(errors_of(j, "connection_refused"), j["summary"]["failures"].get<std::uint64_t>());
}

TEST(Loadgen, ResetsGarbageStallsAnd5xxAreClassified) {
  struct Case {
    BadServer::Mode mode;
    const char* kind;
  };
  for (Case c : {Case{BadServer::kReset, "connection_reset"}, Case{BadServer::kGarbage, "bad_response"},
                 Case{BadServer::kStall, "read_timeout"}, Case{BadServer::kError500, "http_5xx"}}) {
    BadServer bad(c.mode);
    int code = -1;
    auto j = run_loadgen({"-H", url(bad.port()), "-u", "3", "-t", "2s", "--wait-min", "0.05", "--wait-max", "0.1",
                          "--timeout", "300ms"},
                         tmp_json(c.kind), &code);
    expect_consistent(j);
    EXPECT_EQ(code, 0) << "errors alone do not fail a run without --fail-on-errors";
    EXPECT_GT(errors_of(j, c.kind), 0u) << c.kind << ": " << j["errors"].dump();
    EXPECT_EQ(j["summary"]["successes"].get<int>(), 0) << c.kind;
  }
}

TEST(Loadgen, InterruptStillWritesAResultMarkedInterrupted) {
  ServerProcess s("epoll");
  const std::string json = tmp_json("interrupt");
  Process p({LOADGEN_BIN, "-H", url(s.port()), "-u", "10", "-t", "30s", "--wait-min", "0.05", "--wait-max", "0.1",
             "--json", json, "-q"});
  std::this_thread::sleep_for(1500ms);
  p.signal(SIGINT);
  ExitStatus st = p.wait(15s);
  EXPECT_EQ(st.code, 130);
  auto j = lab::read_json_file(json);
  fs::remove(json);
  expect_consistent(j);
  EXPECT_TRUE(j["interrupted"].get<bool>());
  EXPECT_LT(j["summary"]["duration_s"].get<double>(), 10.0);
  EXPECT_GT(j["summary"]["requests"].get<int>(), 0);
  EXPECT_EQ(s.stop().code, 0);
}

TEST(Loadgen, PreflightRefusesARunTheFdLimitCannotHold) {
  int code = -1;
  std::string err;
  auto j = run_loadgen({"-H", "http://127.0.0.1:9", "-u", "50000", "-t", "1s"}, tmp_json("fds"), &code, &err);
  EXPECT_TRUE(j.is_null());
  EXPECT_EQ(code, 3);
  EXPECT_NE(err.find("file descriptors"), std::string::npos) << err;
  EXPECT_NE(err.find("Fix:"), std::string::npos) << err;
}

TEST(Loadgen, CliMistakesNameTheFlag) {
  struct Case {
    std::vector<std::string> args;
    std::string expect;
  };
  std::vector<Case> cases = {{{"-u", "5"}, "--host is required"},
                             {{"-H", "ftp://x"}, "--host"},
                             {{"-H", "http://127.0.0.1:80", "-t", "soon"}, "--run-time"},
                             {{"-H", "http://127.0.0.1:80", "--wait-min", "5", "--wait-max", "1"}, "--wait-min"},
                             {{"-H", "http://127.0.0.1:80", "--max", "--rate", "5"}, "--max and --rate"},
                             {{"-H", "http://127.0.0.1:80", "-u", "0"}, "--users"}};
  for (const auto& c : cases) {
    std::vector<std::string> argv = {LOADGEN_BIN};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    Process p(argv);
    EXPECT_EQ(p.wait(10s).code, 2);
    EXPECT_NE(p.err().find(c.expect), std::string::npos) << p.err();
  }
}

TEST(Loadgen, LocustCsvFilesAreWritten) {
  ServerProcess s("epoll");
  const std::string prefix = (fs::temp_directory_path() / ("loadlab-csv-" + std::to_string(getpid()))).string();
  auto j = run_loadgen({"-H", url(s.port()), "-u", "5", "-t", "2s", "--wait-min", "0.05", "--wait-max", "0.1", "--csv",
                        prefix},
                       tmp_json("csv"));
  expect_consistent(j);
  EXPECT_TRUE(fs::exists(prefix + "_stats.csv"));
  EXPECT_TRUE(fs::exists(prefix + "_stats_history.csv"));
  fs::remove(prefix + "_stats.csv");
  fs::remove(prefix + "_stats_history.csv");
  EXPECT_EQ(s.stop().code, 0);
}
