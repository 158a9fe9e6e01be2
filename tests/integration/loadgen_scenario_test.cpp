// Scenarios (--scenario FILE.json) end to end: what goes on the wire (the start sequence first,
// then the weighted requests, --header added to all), the statistics per name in the JSON, the
// Locust CSVs and the summary, and their exact merge across shards.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "common/histogram.h"
#include "tests/support/loadgen_run.h"
#include "tests/support/recording_server.h"

using namespace labtest;
namespace fs = std::filesystem;

namespace {

std::string write_file(const std::string& name, const std::string& text) {
  const auto path = (fs::temp_directory_path() / ("loadlab_" + std::to_string(getpid()) + "_" + name)).string();
  std::ofstream(path) << text;
  return path;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const char kShop[] = R"({
  "name": "shop",
  "start": ["login"],
  "requests": [
    {"name": "login", "method": "POST", "path": "/login", "weight": 0,
     "headers": {"Content-Type": "application/json"}, "body": {"user": "a"}},
    {"name": "home", "path": "/", "weight": 3},
    {"name": "item", "path": "/item?id=7", "weight": 1}
  ]
})";

// Every second of the series has a row per name, in the scenario's order, and the rows add up to
// the second: requests, failures, bytes and the successes' buckets, bucket by bucket.
void expect_names_add_up(const nlohmann::json& j, std::size_t names) {
  ASSERT_FALSE(j["series"].empty());
  for (const auto& p : j["series"]) {
    ASSERT_EQ(p["names"].size(), names) << p.dump();
    std::uint64_t requests = 0, failures = 0, bytes = 0;
    std::map<std::uint64_t, std::uint64_t> buckets, name_buckets;
    for (const auto& pair : p["hist"]) buckets[pair[0]] += pair[1].get<std::uint64_t>();
    for (std::size_t k = 0; k < names; ++k) {
      const auto& n = p["names"][k];
      EXPECT_EQ(n["name"], j["endpoints"][k]["name"]);
      requests += n["requests"].get<std::uint64_t>();
      failures += n["failures"].get<std::uint64_t>();
      bytes += n["bytes"].get<std::uint64_t>();
      for (const auto& pair : n["hist"]) name_buckets[pair[0]] += pair[1].get<std::uint64_t>();
    }
    EXPECT_EQ(requests, p["requests"].get<std::uint64_t>()) << "second " << p["t"];
    EXPECT_EQ(failures, p["failures"].get<std::uint64_t>()) << "second " << p["t"];
    EXPECT_EQ(bytes, p["bytes"].get<std::uint64_t>()) << "second " << p["t"];
    EXPECT_EQ(name_buckets, buckets) << "second " << p["t"];
  }
}

TEST(LoadgenScenario, StartSequenceThenWeightedRequestsWithStatisticsPerName) {
  RecordingServer s;
  const std::string scenario = write_file("shop.json", kShop);
  const std::string csv = (fs::temp_directory_path() / ("loadlab_sc_" + std::to_string(getpid()))).string();
  int code = -1;
  std::string err;
  const auto j = run_loadgen({"-H", url(s.port()), "--scenario", scenario, "--header", "X-Run: 7", "-u", "3", "--max",
                              "--keepalive", "-t", "1s", "--csv", csv},
                             tmp_json("scenario"), &code, &err);
  EXPECT_EQ(code, 0) << err;
  ASSERT_FALSE(j.is_null()) << err;
  expect_consistent(j);
  ASSERT_EQ(j["endpoints"].size(), 3u);
  std::map<std::string, nlohmann::json> by;
  for (const auto& e : j["endpoints"]) by[e["name"]] = e;
  EXPECT_EQ(by["login"]["requests"], 3) << "each of the 3 users logs in once, first";
  EXPECT_EQ(by["login"]["method"], "POST");
  const double home = by["home"]["requests"].get<double>(), item = by["item"]["requests"].get<double>();
  ASSERT_GT(home + item, 200);
  EXPECT_NEAR(home / (home + item), 0.75, 0.06) << "weights 3 : 1";
  EXPECT_EQ(by["item"]["path"], "/item?id=7");
  EXPECT_EQ(j["workload"]["scenario"]["requests"].size(), 3u) << "the scenario is part of the workload";
  expect_names_add_up(j, 3);

  // On the wire: each connection's first request is the login, with its header and JSON body;
  // --header goes to every request.
  const auto reqs = s.requests();
  ASSERT_GT(reqs.size(), 10u);
  int logins = 0;
  for (const auto& r : reqs) {
    EXPECT_NE(r.find("\r\nX-Run: 7\r\n"), std::string::npos) << r;
    if (r.rfind("POST /login HTTP/1.1\r\n", 0) == 0) {
      ++logins;
      EXPECT_NE(r.find("\r\nContent-Type: application/json\r\n"), std::string::npos) << r;
      EXPECT_NE(r.find("\r\nContent-Length: 12\r\n"), std::string::npos) << r;
      EXPECT_EQ(r.substr(r.size() - 12), R"({"user":"a"})");
    } else {
      EXPECT_TRUE(r.rfind("GET / HTTP/1.1\r\n", 0) == 0 || r.rfind("GET /item?id=7 HTTP/1.1\r\n", 0) == 0) << r;
    }
  }
  EXPECT_EQ(logins, 3);

  // Locust's CSV: a row per name, then the aggregate; the failures file names the request.
  const std::string stats = read_file(csv + "_stats.csv");
  EXPECT_NE(stats.find("\nPOST,login,3,0,"), std::string::npos) << stats;
  EXPECT_NE(stats.find("\nGET,home,"), std::string::npos) << stats;
  EXPECT_NE(stats.find("\nGET,item,"), std::string::npos) << stats;
  EXPECT_NE(stats.find("\n,Aggregated," + std::to_string(j["summary"]["requests"].get<int>()) + ",0,"),
            std::string::npos)
      << stats;
  // The history: a row per name each second (Locust's full history), then the aggregate's.
  const std::string history = read_file(csv + "_stats_history.csv");
  std::istringstream lines(history);
  std::string line;
  std::getline(lines, line);  // the header
  std::vector<std::string> names;
  while (std::getline(lines, line)) {
    const auto a = line.find(',', line.find(',') + 1), b = line.find(',', a + 1), c = line.find(',', b + 1);
    names.push_back(line.substr(a + 1, b - a - 1) + " " + line.substr(b + 1, c - b - 1));
  }
  ASSERT_EQ(names.size(), 4 * j["series"].size()) << history;
  for (std::size_t k = 0; k + 3 < names.size(); k += 4) {
    EXPECT_EQ(names[k], "POST login");
    EXPECT_EQ(names[k + 1], "GET home");
    EXPECT_EQ(names[k + 2], "GET item");
    EXPECT_EQ(names[k + 3], " Aggregated");
  }
  for (const char* f : {"_stats.csv", "_stats_history.csv", "_failures.csv", "_exceptions.csv"}) fs::remove(csv + f);
  // The phases were timed: one connect per user (keep-alive), waiting for every success.
  EXPECT_EQ(j["timings"]["connect"]["count"], 3);
  EXPECT_EQ(j["timings"]["waiting"]["count"], j["summary"]["successes"]);
  EXPECT_FALSE(j["timings"].contains("tls")) << "plain HTTP has no handshake";
  fs::remove(scenario);
}

TEST(LoadgenScenario, SummaryShowsRequestsByNameAndCliMistakesAreNamed) {
  RecordingServer s;
  const std::string scenario = write_file("shop2.json", kShop);
  const std::string dir = (fs::temp_directory_path() / ("loadlab_scd_" + std::to_string(getpid()))).string();
  fs::create_directories(dir);
  int code = -1;
  std::string err;
  auto j = run_loadgen({"-H", url(s.port()), "--scenario", scenario, "-u", "2", "--max", "-t", "1s"},
                       dir + "/shop.json", &code, &err);
  ASSERT_EQ(code, 0) << err;
  std::ofstream(dir + "/shop.json") << j.dump();
  Process summary({LOADGEN_BIN, "summary", dir});
  ASSERT_EQ(summary.wait(std::chrono::seconds(30)).code, 0) << summary.err();
  EXPECT_NE(summary.out().find("### Requests by name: shop"), std::string::npos) << summary.out();
  EXPECT_NE(summary.out().find("| login | POST | 2 |"), std::string::npos) << summary.out();
  EXPECT_NE(summary.out().find("| Aggregated |"), std::string::npos);
  fs::remove_all(dir);

  // A scenario sets each request's method, path and body: the flags that would too are refused.
  run_loadgen({"-H", url(s.port()), "--scenario", scenario, "-X", "POST", "-t", "1s"}, tmp_json("x"), &code, &err);
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("--method: each request of --scenario sets its own"), std::string::npos) << err;
  const std::string bad = write_file("bad.json", "{\n  \"requests\": [\n    {\"path\": \"/\", \"weight\": -1}\n  ]\n}");
  run_loadgen({"-H", url(s.port()), "--scenario", bad, "-t", "1s"}, tmp_json("x"), &code, &err);
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("--scenario: " + bad + ":3: requests[0].weight: must be a number >= 0"), std::string::npos) << err;
  fs::remove(bad);
  fs::remove(scenario);
}

// Two shards of one scenario merge into the statistics one process would have kept: per name,
// the counts add and the histograms add bucket by bucket.
TEST(LoadgenScenario, ShardsMergePerNameExactly) {
  RecordingServer s;
  const std::string scenario = write_file("shop3.json", kShop);
  std::vector<nlohmann::json> parts;
  std::vector<std::string> files;
  for (int i = 0; i < 2; ++i) {
    const std::string f = tmp_json("shard" + std::to_string(i));
    int code = -1;
    std::string err;
    auto j = run_loadgen({"-H", url(s.port()), "--scenario", scenario, "-u", "4", "--max", "-t", "1s", "--shard",
                          std::to_string(i) + "/2"},
                         f, &code, &err);
    ASSERT_EQ(code, 0) << err;
    std::ofstream(f) << j.dump();
    files.push_back(f);
    parts.push_back(j);
  }
  const std::string merged = tmp_json("merged");
  Process m({LOADGEN_BIN, "merge", files[0], files[1], "--json", merged});
  ASSERT_EQ(m.wait(std::chrono::seconds(30)).code, 0) << m.err();
  std::ifstream in(merged);
  const auto j = nlohmann::json::parse(in);
  expect_consistent(j);
  ASSERT_EQ(j["endpoints"].size(), 3u);
  for (std::size_t k = 0; k < 3; ++k) {
    const auto& e = j["endpoints"][k];
    EXPECT_EQ(e["name"], parts[0]["endpoints"][k]["name"]) << "the scenario's order is kept";
    EXPECT_EQ(e["requests"].get<std::uint64_t>(), parts[0]["endpoints"][k]["requests"].get<std::uint64_t>() +
                                                      parts[1]["endpoints"][k]["requests"].get<std::uint64_t>());
    const auto h = lab::Histogram::from_json(e["histogram"]);
    auto sum = lab::Histogram::from_json(parts[0]["endpoints"][k]["histogram"]);
    sum.merge(lab::Histogram::from_json(parts[1]["endpoints"][k]["histogram"]));
    EXPECT_EQ(h.count(), sum.count());
    EXPECT_EQ(h.percentile(99), sum.percentile(99));
  }
  EXPECT_EQ(j["endpoints"][0]["requests"], 4) << "each user of either shard logged in once";
  expect_names_add_up(j, 3);  // the merged seconds too
  EXPECT_EQ(j["timings"]["waiting"]["count"].get<std::uint64_t>(),
            parts[0]["timings"]["waiting"]["count"].get<std::uint64_t>() +
                parts[1]["timings"]["waiting"]["count"].get<std::uint64_t>());
  for (const auto& f : files) fs::remove(f);
  fs::remove(merged);
  fs::remove(scenario);
}

}  // namespace

// An SLO per request name stops the run as soon as it fails (--abort-on-fail=DELAY): every
// request here waits 20 ms at the server, so "home" misses p99<5ms from its first second.
TEST(LoadgenScenario, APerNameThresholdStopsTheRunWhenItFails) {
  ServerProcess server("epoll", {"--io-wait-ms", "20"});
  const std::string scenario = write_file("shop3.json", kShop);
  int code = -1;
  std::string err;
  ExitStatus st;
  const auto j =
      run_loadgen({"-H", url(server.port()), "--scenario", scenario, "-u", "4", "--max", "-t", "30s", "--threshold",
                   "p99{name=home}<5ms", "--threshold", "errors{name=item}<1%", "--abort-on-fail=1s"},
                  tmp_json("abort-on-fail"), &code, &err, &st);
  EXPECT_EQ(code, 6) << err;
  ASSERT_FALSE(j.is_null()) << err;
  expect_consistent(j);
  EXPECT_LT(j["summary"]["duration_s"].get<double>(), 10) << "stopped, not run for 30 s";
  EXPECT_GT(j["summary"]["requests"].get<int>(), 10);
  const std::string stopped = j.value("stopped", "");
  EXPECT_EQ(stopped.rfind("by --abort-on-fail after ", 0), 0u) << stopped;
  EXPECT_NE(stopped.find("threshold p99{name=home}<5ms failed"), std::string::npos) << stopped;
  EXPECT_FALSE(j.contains("in_progress"));
  ASSERT_EQ(j["thresholds"].size(), 2u);
  EXPECT_EQ(j["thresholds"][0]["name"], "home");
  EXPECT_EQ(j["thresholds"][0]["held"], false);
  EXPECT_GT(j["thresholds"][0]["actual"].get<double>(), 5.0) << "judged on home's requests alone";
  EXPECT_EQ(j["thresholds"][1]["held"], true) << "item has no errors";
  EXPECT_NE(err.find("threshold p99{name=home}<5ms"), std::string::npos) << "the console names it: " << err;

  // The names are checked before the run: a name not in the scenario is a CLI error listing them.
  run_loadgen({"-H", url(server.port()), "--scenario", scenario, "-t", "1s", "--threshold", "p95{name=serch}<50ms"},
              tmp_json("bad-name"), &code, &err);
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("no request is named 'serch' (the names: login, home, item)"), std::string::npos) << err;
  run_loadgen({"-H", url(server.port()), "-t", "1s", "--threshold", "p95{name=home}<50ms"}, tmp_json("no-names"), &code,
              &err);
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("they come from --scenario"), std::string::npos) << err;
  run_loadgen({"-H", url(server.port()), "-t", "1s", "--abort-on-fail"}, tmp_json("nothing"), &code, &err);
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("--abort-on-fail: there is nothing to fail"), std::string::npos) << err;
  EXPECT_EQ(server.stop().code, 0);
}

// Request data (--data): each row's values reach the wire in the path (percent-encoded), a
// header and the body; rows are taken in turn per request, or kept per user; mistakes are
// refused before the run, naming the file, line or placeholder.
TEST(LoadgenScenario, DataRowsFillThePlaceholdersOnTheWire) {
  RecordingServer s;
  const std::string data = write_file("users.csv", "id,name,token\n7,\"Ann, Smith\",t1\n8,Bob,\"t\"\"2\"\n9,Cy,t3\n");
  const std::string scenario = write_file("data.json", R"({"requests": [
    {"name": "item", "path": "/item/{{id}}?who={{name}}", "headers": {"X-Token": "{{token}}"}},
    {"name": "login", "method": "POST", "path": "/login", "body": "user={{name}}"}]})");
  int code = -1;
  std::string err;
  auto j = run_loadgen(
      {"-H", url(s.port()), "--scenario", scenario, "--data", data, "-u", "1", "--max", "--keepalive", "-t", "1s"},
      tmp_json("data"), &code, &err);
  ASSERT_EQ(code, 0) << err;
  EXPECT_EQ(j["workload"]["data"]["rows"], 3);
  EXPECT_EQ(j["workload"]["data"]["per"], "request");
  EXPECT_EQ(j["workload"]["data"].dump().find("Ann"), std::string::npos) << "values stay out of the result";
  const auto reqs = s.requests();
  ASSERT_GT(reqs.size(), 6u);
  std::map<std::string, int> lines;
  for (const auto& r : reqs) {
    const std::string first = r.substr(0, r.find("\r\n"));
    if (r.rfind("GET ", 0) == 0) {
      const auto token = r.substr(r.find("\r\nX-Token: ") + 11);
      ++lines[first + " | " + token.substr(0, token.find("\r\n"))];
    } else {
      ++lines[first + " | " + r.substr(r.find("\r\n\r\n") + 4)];
    }
  }
  // Row per request in turn: the item and login requests share the rows' sequence.
  std::set<std::string> kinds;
  for (const auto& [l, n] : lines) kinds.insert(l);
  for (const char* want : {"GET /item/7?who=Ann,%20Smith HTTP/1.1 | t1", "GET /item/8?who=Bob HTTP/1.1 | t\"2",
                           "GET /item/9?who=Cy HTTP/1.1 | t3", "POST /login HTTP/1.1 | user=Ann, Smith",
                           "POST /login HTTP/1.1 | user=Bob", "POST /login HTTP/1.1 | user=Cy"})
    EXPECT_TRUE(kinds.count(want)) << want << " not among:\n"
                                   << [&] {
                                        std::string all;
                                        for (const auto& k : kinds) all += k + "\n";
                                        return all;
                                      }();
  EXPECT_EQ(kinds.size(), 6u);

  // Per user: one user keeps its row.
  RecordingServer s2;
  j = run_loadgen({"-H", url(s2.port()), "--scenario", scenario, "--data", data, "--data-per", "user", "-u", "1",
                   "--max", "--keepalive", "-t", "1s"},
                  tmp_json("data-user"), &code, &err);
  ASSERT_EQ(code, 0) << err;
  for (const auto& r : s2.requests())
    EXPECT_TRUE(r.rfind("GET /item/7?", 0) == 0 || r.find("user=Ann, Smith") != std::string::npos) << r;

  // Mistakes, before the run.
  auto refused = [&](std::vector<std::string> extra, const std::string& expect) {
    std::vector<std::string> args = {"-H", url(s.port()), "--scenario", scenario, "-t", "1s"};
    args.insert(args.end(), extra.begin(), extra.end());
    run_loadgen(args, tmp_json("refused"), &code, &err);
    EXPECT_EQ(code, 2) << expect;
    EXPECT_NE(err.find(expect), std::string::npos) << err;
  };
  refused({}, "{{id}} in the path of request 'item' has no value: give --data FILE with a column 'id'");
  const std::string other = write_file("other.csv", "sku\n1\n");
  refused({"--data", other}, "is not a column of " + other + " (its columns: sku)");
  const std::string empty = write_file("empty.csv", "id,name,token\n");
  refused({"--data", empty}, empty + ": no rows");
  const std::string ragged = write_file("ragged.csv", "id,name,token\n1,a,b\n2,c\n");
  refused({"--data", ragged}, ragged + ":3: 2 fields, the header has 3");
  refused({"--data", data, "--data-per", "session"}, "--data-per: 'session' is not request or user");
  const std::string plain = write_file("plain.json", R"({"requests": [{"name": "home", "path": "/"}]})");
  std::vector<std::string> args = {"-H", url(s.port()), "--scenario", plain, "--data", data, "-t", "1s"};
  run_loadgen(args, tmp_json("refused"), &code, &err);
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find(data + " fills nothing: no request has a placeholder for its columns (id, name, token)"),
            std::string::npos)
      << err;
  for (const auto& f : {data, scenario, other, empty, ragged, plain}) fs::remove(f);
}
