#include "tests/support/loadgen_run.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "common/result_json.h"
#include "tests/support/process.h"

namespace labtest {

namespace fs = std::filesystem;

std::string tmp_json(const std::string& name) {
  return (fs::temp_directory_path() / ("loadlab-lg-" + std::to_string(getpid()) + "-" + name + ".json")).string();
}

nlohmann::json run_loadgen(const std::vector<std::string>& args, const std::string& json, int* code,
                           std::string* err, ExitStatus* status) {
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

std::string url(std::uint16_t port) { return "http://127.0.0.1:" + std::to_string(port); }

}  // namespace labtest
