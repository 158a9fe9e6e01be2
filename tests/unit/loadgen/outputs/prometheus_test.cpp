// The remote-write request decoded with the protobuf compiler's own code (an independent reader of
// what loadgen builds): one series per label set, labels sorted with __name__ among them, samples in
// time order, the run's labels on every series, k6's names when asked; and the body snappy's block
// format.
#include "loadgen/outputs/prometheus.h"

#include <gtest/gtest.h>
#include <snappy.h>

#include <set>

#include "remote_write.pb.h"

namespace lab {
namespace {

std::vector<Frame> frames() {
  Frame a{1000,
          {{"loadgen_requests_total", {{"name", "home"}, {"method", "GET"}, {"status", "200"}}, 5, true},
           {"loadgen_users", {}, 3, false},
           {"loadgen_request_duration_p99_seconds", {{"name", "home"}}, 0.01, false}}};
  Frame b{2000,
          {{"loadgen_requests_total", {{"name", "home"}, {"method", "GET"}, {"status", "200"}}, 9, true},
           {"loadgen_users", {}, 4, false}}};
  return {a, b};
}

std::map<std::string, std::string> labels_of(const prometheus::TimeSeries& ts) {
  std::map<std::string, std::string> m;
  for (const auto& l : ts.labels()) m[l.name()] = l.value();
  return m;
}

TEST(PrometheusOutput, TheRequestDecodesAsSeriesWithSortedLabelsAndOrderedSamples) {
  prometheus::WriteRequest req;
  ASSERT_TRUE(req.ParseFromString(remote_write_request(frames(), {{"testid", "t"}, {"shard", "1"}}, "lab")));
  ASSERT_EQ(req.timeseries_size(), 3);
  std::set<std::string> names;
  for (const auto& ts : req.timeseries()) {
    for (int i = 1; i < ts.labels_size(); ++i) EXPECT_LT(ts.labels(i - 1).name(), ts.labels(i).name());
    for (int i = 1; i < ts.samples_size(); ++i) EXPECT_LT(ts.samples(i - 1).timestamp(), ts.samples(i).timestamp());
    const auto l = labels_of(ts);
    EXPECT_EQ(l.at("testid"), "t");
    EXPECT_EQ(l.at("shard"), "1");
    names.insert(l.at("__name__"));
    if (l.at("__name__") == "loadgen_requests_total") {
      ASSERT_EQ(ts.samples_size(), 2);
      EXPECT_EQ(ts.samples(0).value(), 5);
      EXPECT_EQ(ts.samples(1).value(), 9);
      EXPECT_EQ(ts.samples(1).timestamp(), 2000);
      EXPECT_EQ(l.at("status"), "200");
    }
  }
  EXPECT_EQ(names,
            (std::set<std::string>{"loadgen_requests_total", "loadgen_users", "loadgen_request_duration_p99_seconds"}));
}

TEST(PrometheusOutput, K6NamesRenameWhatK6Writes) {
  prometheus::WriteRequest req;
  ASSERT_TRUE(req.ParseFromString(remote_write_request(frames(), {{"testid", "t"}}, "k6")));
  std::set<std::string> names;
  for (const auto& ts : req.timeseries()) names.insert(labels_of(ts).at("__name__"));
  EXPECT_EQ(names, (std::set<std::string>{"k6_http_reqs_total", "k6_vus", "k6_http_req_duration_p99"}));
  EXPECT_EQ(series_name("loadgen_request_duration_seconds_bucket", "k6"), "loadgen_request_duration_seconds_bucket")
      << "what k6 has no name for keeps the lab's";
}

class Probe : public PrometheusOutput {
 public:
  using PrometheusOutput::PrometheusOutput;
  PushRequest request(const std::vector<Frame>& f) { return encode(f, {{"testid", "t"}}); }
};

TEST(PrometheusOutput, TheBodyIsSnappyBlockCompressedWithTheProtocolsHeaders) {
  PushOptions o;
  ASSERT_EQ(parse_push_options("prometheus", "http://u:p@127.0.0.1:9090,token=abc", o), "");
  Probe p(o, false);
  const PushRequest r = p.request(frames());
  EXPECT_EQ(r.target, "/api/v1/write");
  std::string raw;
  ASSERT_TRUE(snappy::Uncompress(r.body.data(), r.body.size(), &raw));
  prometheus::WriteRequest req;
  ASSERT_TRUE(req.ParseFromString(raw));
  EXPECT_EQ(req.timeseries_size(), 3);
  std::map<std::string, std::string> h;
  for (const auto& [k, v] : r.headers) h[k] += v + ";";
  EXPECT_EQ(h["Content-Encoding"], "snappy;");
  EXPECT_EQ(h["Content-Type"], "application/x-protobuf;");
  EXPECT_EQ(h["X-Prometheus-Remote-Write-Version"], "0.1.0;");
  EXPECT_EQ(h["Authorization"], "Basic dTpw;Bearer abc;");
}

}  // namespace
}  // namespace lab
