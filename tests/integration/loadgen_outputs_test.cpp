// loadgen's pushing outputs against real receivers the test starts: Prometheus 2.42 with its
// remote-write receiver, and InfluxDB 1.6; what they hold after a run, queried back through their
// HTTP APIs, equals the result file (per name, across three shards, under k6's names), and a
// receiver that is dead, silent or failing costs the run nothing but the seconds it reports lost.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "common/output_file.h"
#include "loadgen/outputs/frame.h"
#include "tests/support/bad_server.h"
#include "tests/support/loadgen_run.h"
#include "tests/support/process.h"
#include "tests/support/script_server.h"

using namespace labtest;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// GET url with the query's parameters url-encoded (curl), the body parsed; null on failure.
json http_get_json(const std::string& url, const std::vector<std::pair<std::string, std::string>>& params) {
  std::vector<std::string> argv = {"/usr/bin/curl", "-sS", "-G", "--max-time", "10", url};
  for (const auto& [k, v] : params) argv.insert(argv.end(), {"--data-urlencode", k + "=" + v});
  Process p(argv);
  const auto st = p.wait(15s);
  if (!st.exited || st.code != 0) {
    ADD_FAILURE() << "curl " << url << ": " << p.err();
    return nullptr;
  }
  try {
    return json::parse(p.out());
  } catch (const std::exception& e) {
    ADD_FAILURE() << url << ": " << e.what() << ": " << p.out();
    return nullptr;
  }
}

struct Prometheus : ScriptServer {
  Prometheus() : ScriptServer("loadlab_prometheus_", 1, SIGTERM) {
    std::ofstream(dir() + "/prometheus.yml") << "global:\n  scrape_interval: 15s\n";
    start(
        [this](std::uint16_t port) {
          return std::vector<std::string>{"/usr/bin/prometheus", "--config.file=" + dir() + "/prometheus.yml",
                                          "--storage.tsdb.path=" + dir() + "/data",
                                          "--web.listen-address=127.0.0.1:" + std::to_string(port),
                                          "--web.enable-remote-write-receiver"};
        },
        "prometheus did not start (bash scripts/install-deps.sh --test-tools installs it)", 30s);
    for (int i = 0; i < 200; ++i) {  // ready: its TSDB open
      Process p({"/usr/bin/curl", "-sf", url("http", 0, "/-/ready")});
      if (p.wait(5s).code == 0) break;
      std::this_thread::sleep_for(100ms);
    }
  }
  std::string write_url() const { return url("http", 0, "/api/v1/write"); }
  // An instant query's vector: each sample's labels and value.
  std::vector<std::pair<json, double>> query(const std::string& promql) const {
    std::vector<std::pair<json, double>> out;
    const json j = http_get_json(url("http", 0, "/api/v1/query"), {{"query", promql}});
    if (j.is_null() || j.value("status", "") != "success") {
      ADD_FAILURE() << promql << ": " << j.dump();
      return out;
    }
    for (const auto& r : j["data"]["result"])
      out.emplace_back(r["metric"], std::stod(r["value"][1].get<std::string>()));
    return out;
  }
  std::map<std::string, double> by(const std::string& label, const std::string& promql) const {
    std::map<std::string, double> m;
    for (const auto& [labels, v] : query(promql)) m[labels.value(label, "")] = v;
    return m;
  }
};

// InfluxDB 1.6: the RPC on PORT, HTTP on PORT+1.
struct Influx : ScriptServer {
  Influx() : ScriptServer("loadlab_influxdb_", 2, SIGTERM) {
    start(
        [this](std::uint16_t port) {
          std::ofstream(dir() + "/influxdb.conf")
              << "reporting-disabled = true\nbind-address = \"127.0.0.1:" << port << "\"\n[meta]\n  dir = \"" << dir()
              << "/meta\"\n[data]\n  dir = \"" << dir() << "/data\"\n  wal-dir = \"" << dir()
              << "/wal\"\n  query-log-enabled = false\n[http]\n  bind-address = \"127.0.0.1:" << port + 1
              << "\"\n  log-enabled = false\n[monitor]\n  store-enabled = false\n";
          return std::vector<std::string>{"/usr/bin/influxd", "run", "-config", dir() + "/influxdb.conf"};
        },
        "influxd did not start (bash scripts/install-deps.sh --test-tools installs influxdb)", 30s);
  }
  std::string base() const { return url("http", 1, ""); }
  json query(const std::string& db, const std::string& q) const {
    return http_get_json(url("http", 1, "/query"), {{"db", db}, {"q", q}});
  }
};

std::map<std::string, std::uint64_t> requests_by_name(const json& j) {
  std::map<std::string, std::uint64_t> m;
  for (const auto& e : j["endpoints"]) m[e["name"]] = e["requests"].get<std::uint64_t>();
  return m;
}

std::string scenario_file(const std::string& name) {
  const std::string path = (fs::temp_directory_path() / (name + std::to_string(getpid()) + ".json")).string();
  std::ofstream(path) << R"({"requests": [
    {"name": "home", "path": "/", "weight": 3},
    {"name": "search", "path": "/search?q=x", "weight": 1}]})";
  return path;
}

// The bucket (index into the bounds, +Inf last) a latency in seconds falls in.
std::size_t bucket_of(double s) {
  const auto& b = lab::latency_buckets_s();
  std::size_t i = 0;
  while (i < b.size() && s > b[i]) ++i;
  return i;
}

const json& output_report(const json& j, const std::string& kind) {
  static const json none;
  for (const auto& o : j["outputs"])
    if (o["output"] == kind) return o;
  ADD_FAILURE() << "no report of the " << kind << " output in " << j["outputs"].dump();
  return none;
}

}  // namespace

// The pushed counters equal the result's per name; the histogram's 0.99 quantile lies within a
// bucket of the result's exact p99; the same run under k6's names reads the same; the report says
// every second was sent.
TEST(LoadgenOutputs, PrometheusHoldsTheResultsCountsPerNameAndItsHistogram) {
  Prometheus prom;
  ServerProcess server("epoll");
  const std::string scenario = scenario_file("outputs_prom_");
  int code = -1;
  std::string err;
  const json j = run_loadgen(
      {"-H", url(server.port()), "--scenario", scenario, "-u", "10", "-r", "100", "--wait", "between:20ms,60ms", "-t",
       "4s", "--out", "prometheus=" + prom.write_url() + ",testid=lab-run,label.model=epoll", "--out",
       "prometheus=" + prom.write_url() + ",names=k6,testid=k6-run"},
      tmp_json("outputs_prom"), &code, &err);
  fs::remove(scenario);
  ASSERT_EQ(code, 0) << err;
  expect_consistent(j);
  const auto want = requests_by_name(j);
  ASSERT_EQ(want.size(), 2u);
  const auto got = prom.by("name", "sum by (name) (loadgen_requests_total{testid=\"lab-run\",model=\"epoll\"})");
  const auto got_k6 = prom.by("name", "sum by (name) (k6_http_reqs_total{testid=\"k6-run\"})");
  for (const auto& [name, n] : want) {
    EXPECT_EQ(got.count(name) ? got.at(name) : -1, static_cast<double>(n)) << name;
    EXPECT_EQ(got_k6.count(name) ? got_k6.at(name) : -1, static_cast<double>(n)) << name;
  }
  const auto count = prom.query("sum(loadgen_request_duration_seconds_count{testid=\"lab-run\"})");
  ASSERT_EQ(count.size(), 1u);
  EXPECT_EQ(count[0].second, j["summary"]["successes"].get<double>());
  const auto q99 =
      prom.query("histogram_quantile(0.99, sum by (le) (loadgen_request_duration_seconds_bucket{testid=\"lab-run\"}))");
  ASSERT_EQ(q99.size(), 1u);
  const double p99_s = j["summary"]["percentiles_ms"]["99"].get<double>() / 1000.0;
  const auto a = bucket_of(q99[0].second), b = bucket_of(p99_s);
  EXPECT_LE(a > b ? a - b : b - a, 1u) << "histogram_quantile " << q99[0].second << " s, the result's p99 " << p99_s;
  EXPECT_FALSE(prom.query("k6_vus{testid=\"k6-run\"}").empty()) << "k6's users gauge";
  EXPECT_FALSE(prom.query("k6_http_req_duration_p99{testid=\"k6-run\",name=\"home\"}").empty());
  EXPECT_FALSE(prom.query("loadgen_users{testid=\"lab-run\"}").empty());
  const json& r = output_report(j, "prometheus");
  EXPECT_EQ(r["dropped"], 0);
  EXPECT_EQ(r["sent"], r["frames"]);
  EXPECT_GE(r["frames"].get<int>(), 4);

  // The Grafana dashboard in the repository: every panel's PromQL runs on this Prometheus and finds
  // the run (a failure panel may be empty: this run had none).
  const json dash = lab::read_json_file(SOURCE_DIR "/deploy/grafana/loadgen-dashboard.json");
  int queries = 0;
  for (const auto& panel : dash["panels"])
    for (const auto& t : panel["targets"]) {
      std::string expr = t["expr"];
      for (const auto& [from, to] :
           {std::pair<std::string, std::string>{"$testid", "lab-run"}, {"$__rate_interval", "30s"}})
        for (auto at = expr.find(from); at != std::string::npos; at = expr.find(from))
          expr.replace(at, from.size(), to);
      const auto got = prom.query(expr);
      if (expr.find("rate(loadgen_request_failures_total") == std::string::npos) {
        EXPECT_FALSE(got.empty()) << panel["title"] << ": " << expr;
      }
      ++queries;
    }
  EXPECT_GE(queries, 10);
  const json ids = http_get_json(prom.url("http", 0, "/api/v1/label/testid/values"), {});
  EXPECT_NE(ids.dump().find("lab-run"), std::string::npos) << "the dashboard's testid variable lists the run";
}

// Three shards of one run, each pushing with its shard label: their sum is the merged result's.
TEST(LoadgenOutputs, ThreeShardsPushedSumToTheMergedResult) {
  Prometheus prom;
  ServerProcess server("epoll");
  const double at = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count() + 1.5;
  char at_text[64];
  std::snprintf(at_text, sizeof at_text, "%.3f", at);
  std::vector<std::unique_ptr<Process>> procs;
  std::vector<std::string> files;
  for (int i = 0; i < 3; ++i) {
    files.push_back(tmp_json("outputs_shard" + std::to_string(i)));
    procs.push_back(std::make_unique<Process>(std::vector<std::string>{LOADGEN_BIN,
                                                                       "-H",
                                                                       url(server.port()),
                                                                       "--shard",
                                                                       std::to_string(i) + "/3",
                                                                       "--start-at",
                                                                       at_text,
                                                                       "--run-id",
                                                                       "sharded-run",
                                                                       "-u",
                                                                       "12",
                                                                       "-r",
                                                                       "100",
                                                                       "--wait",
                                                                       "between:20ms,60ms",
                                                                       "-t",
                                                                       "3s",
                                                                       "-q",
                                                                       "--json",
                                                                       files.back(),
                                                                       "--out",
                                                                       "prometheus=" + prom.write_url()}));
  }
  for (auto& p : procs) {
    const auto st = p->wait(60s);
    EXPECT_EQ(st.code, 0) << p->err();
  }
  const std::string merged = tmp_json("outputs_merged");
  Process m({LOADGEN_BIN, "merge", files[0], files[1], files[2], "--json", merged});
  ASSERT_EQ(m.wait(30s).code, 0) << m.err();
  const json j = lab::read_json_file(merged);
  for (const auto& f : files) fs::remove(f);
  fs::remove(merged);
  const auto shards = prom.by("shard", "sum by (shard) (loadgen_requests_total{testid=\"sharded-run\"})");
  EXPECT_EQ(shards.size(), 3u) << "one series set per shard";
  const auto total = prom.query("sum(loadgen_requests_total{testid=\"sharded-run\"})");
  ASSERT_EQ(total.size(), 1u);
  EXPECT_EQ(total[0].second, j["summary"]["requests"].get<double>());
}

// InfluxDB holds a point per second and name whose values sum to the result's counts.
TEST(LoadgenOutputs, InfluxDbHoldsTheResultsCountsInK6sLayout) {
  Influx influx;
  ServerProcess server("epoll");
  const std::string scenario = scenario_file("outputs_influx_");
  int code = -1;
  std::string err;
  const json j =
      run_loadgen({"-H", url(server.port()), "--scenario", scenario, "-u", "10", "-r", "100", "--wait",
                   "between:20ms,60ms", "-t", "4s", "--out", "influxdb=" + influx.base() + ",db=k6,testid=influx-run"},
                  tmp_json("outputs_influx"), &code, &err);
  fs::remove(scenario);
  ASSERT_EQ(code, 0) << err;
  const json q =
      influx.query("k6", "SELECT sum(\"value\") FROM \"http_reqs\" WHERE \"testid\" = 'influx-run' GROUP BY \"name\"");
  std::map<std::string, double> got;
  for (const auto& s : q["results"][0]["series"]) got[s["tags"]["name"]] = s["values"][0][1].get<double>();
  for (const auto& [name, n] : requests_by_name(j)) EXPECT_EQ(got[name], static_cast<double>(n)) << name << q.dump();
  const json vus = influx.query("k6", "SELECT count(\"value\") FROM \"vus\" WHERE \"testid\" = 'influx-run'");
  ASSERT_FALSE(vus["results"][0]["series"].is_null()) << vus.dump();
  EXPECT_GE(vus["results"][0]["series"][0]["values"][0][1].get<int>(), 3) << "a vus point per second";
  const json d = influx.query("k6", "SELECT max(\"p99\") FROM \"http_req_duration\" WHERE \"testid\" = 'influx-run'");
  ASSERT_FALSE(d["results"][0]["series"].is_null()) << d.dump();
  const json& r = output_report(j, "influxdb");
  EXPECT_EQ(r["dropped"], 0);
  EXPECT_EQ(r["sent"], r["frames"]);
}

// A receiver that refuses connections, one that never answers, one that answers 500, and one that
// resets the connection after each request: the
// schedule is kept as well as without an output, the run ends on time, the report names what was
// lost and why, and the exit code is the run's own unless --out-required asks otherwise.
TEST(LoadgenOutputs, AFailingReceiverCostsTheRunNothingButWhatItReports) {
  ServerProcess server("epoll");
  const std::uint16_t dead = free_ports(1);  // nothing listens there
  BadServer silent(BadServer::kStall), failing(BadServer::kError500), closing(BadServer::kReset);
  const std::vector<std::string> load = {"-H",     url(server.port()),   "-u", "20", "-r", "100",
                                         "--wait", "between:50ms,100ms", "-t", "4s"};
  std::map<std::string, json> docs;
  std::map<std::string, double> wall;
  const std::map<std::string, std::string> outs = {
      {"none", ""},
      {"dead", "prometheus=http://127.0.0.1:" + std::to_string(dead) + "/api/v1/write"},
      {"silent", "prometheus=http://127.0.0.1:" + std::to_string(silent.port()) + "/api/v1/write,timeout=500ms"},
      {"failing", "influxdb=http://127.0.0.1:" + std::to_string(failing.port())},
      {"closing", "prometheus=http://127.0.0.1:" + std::to_string(closing.port()) + "/api/v1/write"}};
  for (const auto& [name, out] : outs) {
    std::vector<std::string> args = load;
    if (!out.empty()) args.insert(args.end(), {"--out", out});
    int code = -1;
    std::string err;
    const auto began = std::chrono::steady_clock::now();
    docs[name] = run_loadgen(args, tmp_json("outputs_fault_" + name), &code, &err);
    wall[name] = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    EXPECT_EQ(code, 0) << name << ": " << err;
    ASSERT_FALSE(docs[name].is_null()) << name << ": " << err;
    if (!out.empty()) {
      EXPECT_NE(err.find("--out "), std::string::npos) << "the console reports the output: " << err;
    }
  }
  for (const auto& [name, j] : docs) {
    SCOPED_TRACE(name);
    EXPECT_EQ(j["summary"]["failures"], 0);
    EXPECT_GE(j["summary"]["schedule_fidelity"].get<double>(),
              docs["none"]["summary"]["schedule_fidelity"].get<double>() - 0.05);
    EXPECT_LT(wall[name], wall["none"] + 5.0) << "the end waits for a receiver at most its deadline and a second";
    if (name == "none") continue;
    const json& r = output_report(j, name == "failing" ? "influxdb" : "prometheus");
    EXPECT_EQ(r["sent"], 0);
    EXPECT_EQ(r["dropped"], r["frames"]) << "every second lost is counted";
    EXPECT_GE(r["frames"].get<int>(), 4);
    EXPECT_NE(r.value("drop_reason", "").find("not sent before the end"), std::string::npos) << r.dump();
  }
  EXPECT_NE(output_report(docs["silent"], "prometheus").value("last_error", "").find("no answer within 0.5 s"),
            std::string::npos);
  EXPECT_NE(output_report(docs["failing"], "influxdb").value("last_error", "").find("HTTP 500"), std::string::npos);
  EXPECT_GE(output_report(docs["dead"], "prometheus")["failed_pushes"].get<int>(), 2);
  EXPECT_LT(wall["dead"], wall["none"] + 2.0) << "a receiver that never took anything gets one try at the end";
  for (const auto& [name, j] : docs)
    if (name != "none") {
      EXPECT_LT(output_report(j, name == "failing" ? "influxdb" : "prometheus")["cpu_s"].get<double>(), 0.5)
          << name << ": the pusher's thread's own CPU (a failing receiver is tried less often)";
    }

  // --out-required: the same dead receiver fails the run (exit 4), and says why
  int code = -1;
  std::string err;
  std::vector<std::string> args = load;
  args.back() = "2s";  // (-t)
  args.insert(args.end(), {"--out", outs.at("dead"), "--out-required"});
  const json j = run_loadgen(args, tmp_json("outputs_required"), &code, &err);
  EXPECT_EQ(code, 4) << err;
  EXPECT_NE(err.find("did not send the whole run (--out-required)"), std::string::npos) << err;
  EXPECT_FALSE(j.is_null()) << "the result is still written";
}

// A receiver that went away and came back: the seconds it missed are sent later, nothing lost.
TEST(LoadgenOutputs, AReceiverThatComesBackGetsTheSecondsItMissed) {
  ServerProcess server("epoll");
  Prometheus prom;
  // Prometheus held stopped (SIGSTOP) for two seconds of the run: those pushes time out, and
  // their seconds go with the next push once it runs again.
  int code = -1;
  std::string err;
  const std::string path = tmp_json("outputs_back");
  Process lg({LOADGEN_BIN, "-H", url(server.port()), "-u", "10", "-r", "100", "--wait", "between:20ms,60ms", "-t", "6s",
              "-q", "--json", path, "--out", "prometheus=" + prom.write_url() + ",testid=back,timeout=500ms"});
  std::this_thread::sleep_for(1500ms);
  std::vector<std::string> stop = {"/usr/bin/pkill", "-STOP", "-f", "loadlab_prometheus_" + std::to_string(getpid())};
  ASSERT_EQ(Process(stop).wait(5s).code, 0);
  std::this_thread::sleep_for(2000ms);
  std::vector<std::string> cont = {"/usr/bin/pkill", "-CONT", "-f", "loadlab_prometheus_" + std::to_string(getpid())};
  ASSERT_EQ(Process(cont).wait(5s).code, 0);
  const auto st = lg.wait(60s);
  code = st.code;
  err = lg.err();
  ASSERT_EQ(code, 0) << err;
  const json j = lab::read_json_file(path);
  fs::remove(path);
  const json& r = output_report(j, "prometheus");
  EXPECT_GE(r["failed_pushes"].get<int>(), 1) << "the stopped receiver failed some pushes: " << r.dump();
  EXPECT_EQ(r["dropped"], 0) << r.dump();
  EXPECT_EQ(r["sent"], r["frames"]);
  const auto total = prom.query("sum(loadgen_requests_total{testid=\"back\"})");
  ASSERT_EQ(total.size(), 1u);
  EXPECT_EQ(total[0].second, j["summary"]["requests"].get<double>());
  // every second's users gauge reached it, the missed ones late
  const auto seconds = prom.query("count_over_time(loadgen_users{testid=\"back\"}[5m])");
  ASSERT_EQ(seconds.size(), 1u);
  EXPECT_GE(seconds[0].second, 5);
}

// Mistakes on the command line name the flag and the fix; secrets never reach the result.
TEST(LoadgenOutputs, CommandLineMistakesAreNamedAndSecretsRedacted) {
  struct Case {
    std::string out, says;
  };
  for (const Case& c : std::vector<Case>{
           {"graphite=http://x", "'graphite' is not an output"},
           {"prometheus", "give prometheus=URL"},
           {"prometheus=ftp://127.0.0.1/", "has scheme 'ftp'"},
           {"prometheus=https://127.0.0.1/", "only http:// receivers"},
           {"prometheus=http://127.0.0.1:9090,names=k7", "names='k7'"},
           {"prometheus=http://127.0.0.1:9090,interval=5ms", "interval='5ms'"},
           {"influxdb=http://127.0.0.1:8086,db=a b", "db='a b'"},
           {"influxdb=http://127.0.0.1:8086,bogus=1", "'bogus' is not a key of influxdb"},
           {"prometheus=http://127.0.0.1:9090,label.__x=1", "label.__x"},
       }) {
    Process p({LOADGEN_BIN, "-H", "http://127.0.0.1:1", "-t", "1s", "--out", c.out});
    const auto st = p.wait(10s);
    EXPECT_EQ(st.code, 2) << c.out;
    EXPECT_NE(p.err().find("--out"), std::string::npos) << p.err();
    EXPECT_NE(p.err().find(c.says), std::string::npos) << c.out << ": " << p.err();
  }
  Process p({LOADGEN_BIN, "-H", "http://127.0.0.1:1", "-t", "1s", "--out-required"});
  EXPECT_EQ(p.wait(10s).code, 2);
  EXPECT_NE(p.err().find("--out-required: only with a pushing output"), std::string::npos) << p.err();

  // the password and the token are redacted in the result, the console's report too
  BadServer refuse(BadServer::kError500);
  int code = -1;
  std::string err;
  const std::string port = std::to_string(refuse.port());
  const json j = run_loadgen({"-H", url(refuse.port()), "-u", "1", "-t", "1s", "--out",
                              "prometheus=http://user:hunter2@127.0.0.1:" + port + "/w,token=s3cret-token"},
                             tmp_json("outputs_secret"), &code, &err);
  ASSERT_FALSE(j.is_null()) << err;
  const std::string doc = j.dump();
  EXPECT_EQ(doc.find("hunter2"), std::string::npos) << doc;
  EXPECT_EQ(doc.find("s3cret-token"), std::string::npos) << doc;
  EXPECT_EQ(err.find("hunter2"), std::string::npos) << err;
  EXPECT_NE(output_report(j, "prometheus")["url"].get<std::string>().find("REDACTED"), std::string::npos);
}

// make bench-all OUT=prometheus=URL: every model's run pushed with the job's testid and its
// model and workload labels; each model's pushed count is its result file's.
TEST(LoadgenOutputs, BenchAllPushesEveryModelWithItsLabels) {
  Prometheus prom;
  const fs::path results = fs::temp_directory_path() / ("loadlab-bench-out-" + std::to_string(getpid()));
  fs::remove_all(results);
  fs::create_directories(results);
  const std::string cmd = "PROFILE=quick MODELS='epoll select' OUT='prometheus=" + prom.write_url() +
                          "' BUILD='" BUILD_DIR "' RESULTS='" + results.string() +
                          "' bash '" SOURCE_DIR "/scripts/bench-all.sh' > '" + results.string() + ".log' 2>&1";
  const int rc = std::system(cmd.c_str());
  std::ifstream log(results.string() + ".log");
  std::stringstream ss;
  ss << log.rdbuf();
  ASSERT_EQ(rc, 0) << ss.str();
  const fs::path run = fs::canonical(results / "latest");
  const std::string testid = "bench-all-" + run.filename().string();
  const auto pushed =
      prom.by("model", "sum by (model) (loadgen_requests_total{testid=\"" + testid + "\",workload=\"quick\"})");
  for (const char* model : {"epoll", "select"}) {
    const json j = lab::read_json_file((run / (std::string(model) + ".json")).string());
    EXPECT_EQ(pushed.count(model) ? pushed.at(model) : -1, j["summary"]["requests"].get<double>()) << model;
  }
  fs::remove_all(results);
  fs::remove(results.string() + ".log");
}
