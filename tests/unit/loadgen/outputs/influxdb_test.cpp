// InfluxDB's lines: k6's measurements and tags, escapes as the line protocol wants them, and
// counters as differences from what the receiver took, so that a failed push is carried, not lost.
#include "loadgen/outputs/influxdb.h"

#include <gtest/gtest.h>

namespace lab {
namespace {

Frame second(std::int64_t ms, double home, double users) {
  return Frame{ms,
               {{"loadgen_requests_total", {{"name", "home page"}, {"method", "GET"}, {"status", "200"}}, home, true},
                {"loadgen_request_duration_seconds_bucket", {{"name", "home page"}, {"le", "0.1"}}, home, true},
                {"loadgen_request_duration_avg_seconds", {{"name", "home page"}}, 0.002, false},
                {"loadgen_request_duration_p99_seconds", {{"name", "home page"}}, 0.005, false},
                {"loadgen_second_requests", {{"name", "home page"}}, 10, false},
                {"loadgen_second_failures", {{"name", "home page"}}, 1, false},
                {"loadgen_users", {}, users, false}}};
}

TEST(InfluxOutput, LinesUseK6sMeasurementsWithEscapedTags) {
  std::map<std::string, double> baseline;
  const std::string lines = influx_lines({second(1000, 10, 5)}, {{"testid", "a,b"}}, baseline);
  EXPECT_NE(lines.find("http_reqs,name=home\\ page,method=GET,status=200,testid=a\\,b value=10 1000\n"),
            std::string::npos)
      << lines;
  EXPECT_NE(lines.find("http_req_duration,name=home\\ page,testid=a\\,b value=2,p99=5 1000\n"), std::string::npos)
      << lines;
  EXPECT_NE(lines.find("http_req_failed,name=home\\ page,testid=a\\,b value=0.1,requests=10,failures=1 1000\n"),
            std::string::npos)
      << lines;
  EXPECT_NE(lines.find("vus,testid=a\\,b value=5 1000\n"), std::string::npos) << lines;
  EXPECT_EQ(lines.find("bucket"), std::string::npos) << "the histogram is Prometheus's";
}

TEST(InfluxOutput, CountersAreDifferencesThatSumToTheTotal) {
  std::map<std::string, double> baseline;
  const std::string lines = influx_lines({second(1000, 10, 5), second(2000, 25, 5), second(3000, 25, 5)}, {}, baseline);
  EXPECT_NE(lines.find("http_reqs,name=home\\ page,method=GET,status=200 value=10 1000"), std::string::npos);
  EXPECT_NE(lines.find("http_reqs,name=home\\ page,method=GET,status=200 value=15 2000"), std::string::npos);
  EXPECT_EQ(lines.find("http_reqs,name=home\\ page,method=GET,status=200 value=0"), std::string::npos)
      << "a second with none writes no point";
}

class Probe : public InfluxOutput {
 public:
  using InfluxOutput::InfluxOutput;
  PushRequest request(const std::vector<Frame>& f) { return encode(f, {}); }
  void took(const std::vector<Frame>& f) { taken(f); }
};

TEST(InfluxOutput, AFailedPushIsCarriedIntoTheNext) {
  PushOptions o;
  ASSERT_EQ(parse_push_options("influxdb", "http://127.0.0.1:8086,db=k6", o), "");
  Probe p(o, false);
  const PushRequest first = p.request({second(1000, 10, 1)});
  EXPECT_EQ(first.target, "/write?db=k6&precision=ms");
  p.took({second(1000, 10, 1)});
  (void)p.request({second(2000, 30, 1)});  // this push fails: not taken
  const PushRequest again = p.request({second(2000, 30, 1), second(3000, 45, 1)});
  EXPECT_NE(again.body.find("value=20 2000"), std::string::npos) << again.body;
  EXPECT_NE(again.body.find("value=15 3000"), std::string::npos) << again.body;
}

}  // namespace
}  // namespace lab
