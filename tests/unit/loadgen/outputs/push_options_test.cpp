// --out KIND=URL[,key=value]: the URL's parts, each key, and each mistake named with its fix.
#include "loadgen/outputs/push_options.h"

#include <gtest/gtest.h>

#include "loadgen/workload/redact.h"

namespace lab {
namespace {

TEST(PushOptions, TheUrlAndKeysAreRead) {
  PushOptions o;
  ASSERT_EQ(parse_push_options("prometheus",
                               "http://127.0.0.1:9090,names=k6,interval=5s,timeout=500ms,testid=n42,label.model=epoll,"
                               "backlog=30",
                               o),
            "");
  EXPECT_EQ(o.host, "127.0.0.1");
  EXPECT_EQ(o.port, "9090");
  EXPECT_EQ(o.target, "/api/v1/write") << "the remote-write path by default";
  EXPECT_EQ(o.names, "k6");
  EXPECT_EQ(o.interval.count(), 5000);
  EXPECT_EQ(o.timeout.count(), 500);
  EXPECT_EQ(o.testid, "n42");
  EXPECT_EQ(o.labels, (Labels{{"model", "epoll"}}));
  EXPECT_EQ(o.backlog, 30u);
  PushOptions i;
  ASSERT_EQ(parse_push_options("influxdb", "http://[::1]:8086/influx,db=k6", i), "");
  EXPECT_EQ(i.host, "::1");
  EXPECT_EQ(i.target, "/influx");
  EXPECT_EQ(i.db, "k6");
}

TEST(PushOptions, MistakesNameTheKeyAndTheFix) {
  struct Case {
    const char *kind, *arg, *says;
  };
  for (const Case& c : {Case{"prometheus", "127.0.0.1:9090", "is not a URL"},
                        Case{"prometheus", "https://127.0.0.1:9090", "only http://"},
                        Case{"prometheus", "http://127.0.0.1:9090,names", "is not key=value"},
                        Case{"prometheus", "http://127.0.0.1:9090,db=x", "'db' is not a key of prometheus"},
                        Case{"influxdb", "http://127.0.0.1:8086,names=k6", "'names' is not a key of influxdb"},
                        Case{"influxdb", "http://127.0.0.1:8086,db=a&b", "db='a&b'"},
                        Case{"prometheus", "http://127.0.0.1:9090,timeout=2m", "from 100ms to 60s"},
                        Case{"prometheus", "http://127.0.0.1:9090,label.testid=x", "a label loadgen sets itself"},
                        Case{"prometheus", "http://127.0.0.1:9090,label.le=x", "a label loadgen sets itself"},
                        Case{"prometheus", "http://127.0.0.1:9090,backlog=0", "1 to 86400"}}) {
    PushOptions o;
    const std::string e = parse_push_options(c.kind, c.arg, o);
    EXPECT_NE(e.find(c.says), std::string::npos) << c.arg << ": " << e;
  }
}

TEST(PushOptions, CredentialsBecomeHeadersAndAreRedacted) {
  PushOptions o;
  ASSERT_EQ(parse_push_options("influxdb", "http://admin:pw@127.0.0.1:8086,token=t0k", o), "");
  EXPECT_EQ(o.url, "http://REDACTED@127.0.0.1:8086");
  ASSERT_EQ(o.headers.size(), 2u);
  EXPECT_EQ(o.headers[0].second, "Basic YWRtaW46cHc=");
  EXPECT_EQ(o.headers[1].second, "Token t0k");
  EXPECT_EQ(redact_out_argument("influxdb=http://admin:pw@127.0.0.1:8086,token=t0k,db=x"),
            "influxdb=http://REDACTED@127.0.0.1:8086,token=REDACTED,db=x");
  std::vector<std::string> what;
  const auto line = redact_command_line(
      {"loadgen", "--out", "prometheus=http://127.0.0.1:1,token=abc", "--out=influxdb=http://u:p@127.0.0.1:2"}, &what);
  EXPECT_EQ(line[2], "prometheus=http://127.0.0.1:1,token=REDACTED");
  EXPECT_EQ(line[3], "--out=influxdb=http://REDACTED@127.0.0.1:2");
  EXPECT_FALSE(what.empty());
}

}  // namespace
}  // namespace lab
