// HdrHistogram interchange end to end: --hlog beside --json, logs merged as shards give the
// merge of the JSON results exactly, compare reads a log against a result, and export's
// mistakes are named. (The independent decoder is tests/checks/check-hdr.sh.)
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "common/histogram.h"
#include "tests/support/loadgen_run.h"
#include "tests/support/process.h"
#include "tests/support/recording_server.h"

using namespace labtest;
namespace fs = std::filesystem;

namespace {

std::string tmp(const std::string& name) {
  return (fs::temp_directory_path() / ("loadlab_hdr_" + std::to_string(getpid()) + "_" + name)).string();
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

TEST(LoadgenHdr, LogsMergeAsTheirResultsDoAndCompareReadsThem) {
  RecordingServer s;
  const std::string scenario = tmp("shop.json");
  std::ofstream(scenario)
      << R"({"requests": [{"name": "home", "path": "/", "weight": 2}, {"name": "item", "path": "/i"}]})";
  std::vector<std::string> jsons, logs;
  for (int i = 0; i < 2; ++i) {
    jsons.push_back(tmp("shard" + std::to_string(i) + ".json"));
    logs.push_back(tmp("shard" + std::to_string(i) + ".hlog"));
  }
  auto args = [&](int i) {
    return std::vector<std::string>{LOADGEN_BIN,   "-H",
                                    url(s.port()), "--scenario",
                                    scenario,      "-u",
                                    "2",           "--max",
                                    "-t",          "2s",
                                    "--shard",     std::to_string(i) + "/2",
                                    "--run-id",    "hdr",
                                    "--json",      jsons[static_cast<std::size_t>(i)],
                                    "--hlog",      logs[static_cast<std::size_t>(i)],
                                    "-q"};
  };
  Process first(args(0)), second(args(1));
  ASSERT_EQ(first.wait(std::chrono::seconds(30)).code, 0) << first.err();
  ASSERT_EQ(second.wait(std::chrono::seconds(30)).code, 0) << second.err();

  const std::string from_logs = tmp("merged-logs.json"), from_json = tmp("merged-json.json");
  Process ml({LOADGEN_BIN, "merge", logs[0], logs[1], "--json", from_logs});
  ASSERT_EQ(ml.wait(std::chrono::seconds(30)).code, 0) << ml.err();
  Process mj({LOADGEN_BIN, "merge", jsons[0], jsons[1], "--json", from_json});
  ASSERT_EQ(mj.wait(std::chrono::seconds(30)).code, 0) << mj.err();
  const auto a = read_json(from_logs), b = read_json(from_json);
  EXPECT_EQ(a["summary"]["successes"], b["summary"]["successes"]);
  EXPECT_EQ(a["histogram"]["counts"], b["histogram"]["counts"]) << "bucket for bucket";
  ASSERT_EQ(a["endpoints"].size(), 2u);
  for (std::size_t k = 0; k < 2; ++k) {
    EXPECT_EQ(a["endpoints"][k]["name"], b["endpoints"][k]["name"]);
    EXPECT_EQ(a["endpoints"][k]["histogram"]["counts"], b["endpoints"][k]["histogram"]["counts"]);
  }
  EXPECT_EQ(a["series"].size(), b["series"].size());

  // A log against its own run's result: the same numbers, no regression.
  Process cmp({LOADGEN_BIN, "compare", logs[1], jsons[1]});
  const auto c = cmp.wait(std::chrono::seconds(30));
  EXPECT_NE(cmp.out().find("requests/s"), std::string::npos) << cmp.out() << cmp.err();
  EXPECT_TRUE(c.code == 0 || c.code == 3) << "no regression (3 is inconclusive): " << cmp.out() << cmp.err();
  EXPECT_EQ(cmp.out().find("workloads differ"), std::string::npos) << "a log has no workload to check";

  // export: the percentile text of one name; mistakes named.
  Process one({LOADGEN_BIN, "export", jsons[0], "--hgrm", "-", "--name", "item"});
  ASSERT_EQ(one.wait(std::chrono::seconds(30)).code, 0) << one.err();
  EXPECT_EQ(one.out().rfind("       Value     Percentile TotalCount 1/(1-Percentile)\n", 0), 0u) << one.out();
  const auto item_count = read_json(jsons[0])["endpoints"][1]["histogram"]["count"].get<std::uint64_t>();
  EXPECT_NE(one.out().find(", Total count    = " + std::string(12 - std::to_string(item_count).size(), ' ') +
                           std::to_string(item_count) + "]"),
            std::string::npos)
      << one.out();
  Process unknown({LOADGEN_BIN, "export", jsons[0], "--hgrm", "-", "--name", "cart"});
  EXPECT_EQ(unknown.wait(std::chrono::seconds(30)).code, 2);
  EXPECT_NE(unknown.err().find("--name: 'cart' is not a request name of"), std::string::npos) << unknown.err();
  EXPECT_NE(unknown.err().find("(its names: home, item)"), std::string::npos) << unknown.err();
  Process neither({LOADGEN_BIN, "export", jsons[0]});
  EXPECT_EQ(neither.wait(std::chrono::seconds(30)).code, 2);
  EXPECT_NE(neither.err().find("give one of --hgrm FILE or --hlog FILE"), std::string::npos) << neither.err();
  for (const auto& f : jsons) fs::remove(f);
  for (const auto& f : logs) fs::remove(f);
  fs::remove(from_logs);
  fs::remove(from_json);
  fs::remove(scenario);
}

// hdr-histogram-js's encoding of 309 values (tests/unit/common/hdr_codec_test.cpp).
constexpr const char* kEnc =
    "HISTFAAAADt4nJNpmSzMwMAgwcDAwMjAwMDMAAEgNu8P9wgGOJ+JqZvnBstLYSamg8JMp71Y1howbf7LyAQA32QKAQ==";

std::string log_at(const std::string& name, double base, const std::string& tag = "") {
  const std::string path = tmp(name);
  std::ofstream out(path);
  out << "#[BaseTime: " << std::to_string(base) << " (seconds since epoch)]\n";
  for (int t = 0; t < 3; ++t)
    out << (tag.empty() ? "" : "Tag=" + tag + ",") << t << ".000,1.000,60000.000," << kEnc << "\n";
  return path;
}

// Logs merge as the shards of one run: their first intervals say when each began. Two logs 6 s
// apart were merged with "start skew 0.0 ms" and their rates added as if concurrent; they are
// refused now, and logs 0.3 s apart merge with that skew.
TEST(LoadgenHdr, LogsThatBeganApartAreDifferentRuns) {
  const std::string a = log_at("a.hlog", 1796083200), late = log_at("late.hlog", 1796083206),
                    near = log_at("near.hlog", 1796083200.3), out = tmp("apart.json");
  Process apart({LOADGEN_BIN, "merge", a, late, "--json", out});
  EXPECT_EQ(apart.wait(std::chrono::seconds(30)).code, 2) << apart.err();
  EXPECT_NE(apart.err().find("started 6.0 s after"), std::string::npos) << apart.err();
  EXPECT_NE(apart.err().find("different runs"), std::string::npos) << apart.err();
  EXPECT_FALSE(fs::exists(out));
  Process together({LOADGEN_BIN, "merge", a, near, "--json", out});
  EXPECT_EQ(together.wait(std::chrono::seconds(30)).code, 0) << together.err();
  EXPECT_NE(together.err().find("start skew 300.0 ms"), std::string::npos) << together.err();
  for (const auto& f : {a, late, near, out}) fs::remove(f);
}

// A byte that is not UTF-8: a log's tag is written as U+FFFD in the merged result (before: exit 4,
// the result lost to a JSON type error); --label and -H refuse it before the run, naming the flag.
TEST(LoadgenHdr, ATextThatIsNotUtf8LosesNoResult) {
  const std::string log = log_at("tag.hlog", 1796083200, "caf\xe9"), out = tmp("tag.json");
  Process m({LOADGEN_BIN, "merge", log, "--json", out});
  EXPECT_EQ(m.wait(std::chrono::seconds(30)).code, 0) << m.err();
  const auto doc = read_json(out);
  ASSERT_EQ(doc["endpoints"].size(), 1u);
  EXPECT_EQ(doc["endpoints"][0]["name"], "caf\xef\xbf\xbd") << "U+FFFD for the byte";
  RecordingServer s;
  Process label({LOADGEN_BIN, "-H", url(s.port()), "-t", "1s", "-q", "--label", "model-\xfe"});
  EXPECT_EQ(label.wait(std::chrono::seconds(30)).code, 2);
  EXPECT_NE(label.err().find("--label: byte 0xFE at offset 6 is not UTF-8"), std::string::npos) << label.err();
  Process path({LOADGEN_BIN, "-H", url(s.port()) + "/a\xff", "-t", "1s", "-q"});
  EXPECT_EQ(path.wait(std::chrono::seconds(30)).code, 2);
  EXPECT_NE(path.err().find("--host: byte 0xFF"), std::string::npos) << path.err();
  EXPECT_NE(path.err().find("percent-encoded (%FF)"), std::string::npos) << path.err();
  fs::remove(log);
  fs::remove(out);
}

}  // namespace
