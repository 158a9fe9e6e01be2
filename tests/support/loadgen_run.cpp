#include "tests/support/loadgen_run.h"

#include <gtest/gtest.h>
#include <liburing.h>
#include <unistd.h>

#include <cstdlib>

#include <filesystem>

#include "common/output_file.h"
#include "common/result.h"
#include "tests/support/process.h"

namespace labtest {

namespace fs = std::filesystem;

std::string tmp_json(const std::string& name) {
  return (fs::temp_directory_path() / ("loadlab-lg-" + std::to_string(getpid()) + "-" + name + ".json")).string();
}

nlohmann::json run_loadgen(const std::vector<std::string>& args, const std::string& json, int* code, std::string* err,
                           ExitStatus* status) {
  std::vector<std::string> argv = {LOADGEN_BIN, "--json", json, "-q"};
  argv.insert(argv.end(), args.begin(), args.end());
  Process p(argv);
  ExitStatus st = p.wait(std::chrono::seconds(60));
  if (code) *code = st.code;
  if (err) *err = p.err();
  if (status) *status = st;
  if (!fs::exists(json)) return nullptr;
  auto j = lab::read_json_file(json);
  fs::remove(json);
  return j;
}

void expect_consistent(const nlohmann::json& j) {
  ASSERT_TRUE(j.is_object());
  lab::Result r;
  ASSERT_NO_THROW(r = lab::result_from_json(j, "result")) << "the typed reader refuses it";
  ASSERT_TRUE(r.summary.has_value());
  const auto& s = *r.summary;
  EXPECT_EQ(s.requests, s.successes + s.failures);
  std::uint64_t req = 0, fail = 0;
  for (const auto& p : r.series) {
    req += p.requests;
    fail += p.failures;
  }
  EXPECT_EQ(req, s.requests) << "the per-second series must sum to the totals";
  EXPECT_EQ(fail, s.failures);
  std::uint64_t by_kind = 0;
  for (const auto& e : r.errors) by_kind += e.count;
  EXPECT_EQ(by_kind, s.failures) << "every failure has a kind";
  std::uint64_t by_code = 0;
  for (const auto& [code, n] : s.status_codes) by_code += n;
  EXPECT_LE(by_code, s.requests) << "a status code per response received";
  EXPECT_EQ(r.histogram->count(), s.successes + s.unsent.value_or(0))
      << "the histogram holds the successes (and, in rate mode, the requests never sent)";
  if (s.successes == 0) {
    EXPECT_FALSE(s.latency.avg_ms.has_value()) << "no success: no latency, not a latency of 0";
    EXPECT_FALSE(s.latency.p(50).has_value());
  }
  if (!r.endpoints.empty()) {  // --scenario: the names add up to the aggregate
    std::uint64_t e_req = 0, e_fail = 0, e_errors = 0;
    for (const auto& e : r.endpoints) {
      e_req += e.requests;
      e_fail += e.failures;
      EXPECT_EQ(e.histogram.count(), e.successes()) << e.name;
      EXPECT_EQ(e.failed_histogram.count(), e.failures) << e.name;
      for (const auto& x : e.errors) e_errors += x.count;
    }
    EXPECT_EQ(e_req, s.requests) << "the requests by name sum to the total";
    EXPECT_EQ(e_fail, s.failures);
    EXPECT_EQ(e_errors, s.failures) << "every failure of every name has a kind";
  }
  if (r.timings.count("waiting")) {  // every complete response (one status code each) was timed
    EXPECT_EQ(r.timings.at("waiting").count(), by_code);
  }
  if (r.timings.count("connect")) {
    EXPECT_LE(r.timings.at("connect").count(), by_code);
  }
}

std::uint64_t errors_of(const nlohmann::json& j, const std::string& kind) {
  for (const auto& e : j["errors"])
    if (e["kind"] == kind) return e["count"].get<std::uint64_t>();
  return 0;
}

std::string expected_client_io() {
  const char* env = std::getenv("LOADGEN_CLIENT_IO");
  const std::string asked = env && *env ? env : "auto";
  if (asked == "sockets") return "sockets";
  if (asked == "uring") return "io_uring";
  io_uring ring;  // auto: the ring where this kernel gives one
  if (io_uring_queue_init(1, &ring, 0) != 0) return "sockets";
  io_uring_queue_exit(&ring);
  return "io_uring";
}

std::string url(std::uint16_t port) { return "http://127.0.0.1:" + std::to_string(port); }

}  // namespace labtest
