// The interval log written from a result and read back, and the percentile text.
#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>

#include "loadgen/output/hgrm.h"
#include "loadgen/results/hdr_log.h"

namespace {

// Two seconds of a scenario with two names; the second second is partial.
lab::Result two_names() {
  lab::Result r;
  r.label = "shop";
  r.started_at = "2026-12-01T00:00:00Z";
  lab::Histogram run;
  std::vector<lab::EndpointStats> eps(2);
  eps[0].name = "home";
  eps[1].name = "search, with a comma";
  for (int t = 1; t <= 2; ++t) {
    lab::SeriesPoint p;
    p.t = t;
    p.length_s = t == 1 ? 1.0 : 0.5;
    lab::Histogram second;
    for (std::size_t k = 0; k < 2; ++k) {
      lab::Histogram h;
      for (int i = 0; i < 100 * (t + static_cast<int>(k)); ++i)
        h.record(static_cast<std::uint64_t>(1000 * (i + 1) * (k + 1)));
      lab::NamePoint n;
      n.name = eps[k].name;
      n.requests = h.count();
      n.finish(h, p.length_s);
      p.names.push_back(n);
      second.merge(h);
      eps[k].histogram.merge(h);
      eps[k].requests += h.count();
    }
    p.requests = second.count();
    p.finish(second);
    run.merge(second);
    r.series.push_back(p);
  }
  lab::Summary s;
  s.requests = run.count();
  s.duration_s = 1.5;
  s.finish(run);
  r.summary = s;
  r.histogram = run;
  r.endpoints = eps;
  return r;
}

// hdr-histogram-js's encoding of 309 values (tests/unit/common/hdr_codec_test.cpp).
const std::string enc = "HISTFAAAADt4nJNpmSzMwMAgwcDAwMjAwMDMAAEgNu8P9wgGOJ+JqZvnBstLYSamg8JMp71Y1howbf7LyAQA32QKAQ==";

// What reading `t` as a log says: its error, or "accepted".
std::string message(const std::string& t) {
  try {
    lab::read_hlog(t, "bad.hlog");
  } catch (const std::runtime_error& e) {
    return std::string(e.what());
  }
  return std::string("accepted");
}

TEST(HdrLog, WritesTheV13HeaderATaggedLinePerNameAndTheAggregate) {
  const std::string text = lab::hlog_text(two_names());
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "#[Histogram log format version 1.3]");
  EXPECT_NE(text.find("#[StartTime: 1796083200.000 (seconds since epoch), Tue Dec 01 00:00:00 UTC 2026]"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\n\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n"),
            std::string::npos);
  EXPECT_NE(text.find("\nTag=home,0.000,1.000,"), std::string::npos) << text;
  EXPECT_NE(text.find("\nTag=search__with_a_comma,0.000,1.000,"), std::string::npos) << "separators in a tag";
  EXPECT_NE(text.find("\n0.000,1.000,0.400,HISTFAAAA"), std::string::npos) << "the aggregate's max in ms: " << text;
  EXPECT_NE(text.find("\n1.000,0.500,"), std::string::npos) << "the partial second starts where the first ended";
}

TEST(HdrLog, ReadsBackTheSameHistogramsSecondsAndNames) {
  const lab::Result r = two_names();
  const lab::Result back = lab::read_hlog(lab::hlog_text(r), "/x/shop.hlog");
  EXPECT_TRUE(lab::from_hlog(back));
  EXPECT_EQ(back.label, "shop");
  ASSERT_TRUE(back.histogram && back.summary);
  EXPECT_EQ(back.summary->requests, r.summary->requests);
  EXPECT_DOUBLE_EQ(back.summary->duration_s, 1.5);
  for (std::size_t i = 0; i < lab::Histogram::bucket_count(); ++i)
    ASSERT_EQ(back.histogram->count_at(i), r.histogram->count_at(i)) << i;
  ASSERT_EQ(back.series.size(), 2u);
  EXPECT_EQ(back.series[1].t, 2);
  EXPECT_TRUE(back.series[1].partial);
  ASSERT_EQ(back.series[1].names.size(), 2u);
  EXPECT_EQ(back.series[1].names[0].requests, r.series[1].names[0].requests);
  ASSERT_EQ(back.endpoints.size(), 2u);
  EXPECT_EQ(back.endpoints[0].name, "home");
  EXPECT_EQ(back.endpoints[1].histogram.percentile(99), r.endpoints[1].histogram.percentile(99));
}

TEST(HdrLog, ALogWithoutAggregateLinesSumsItsTagsAndMistakesNameTheLine) {
  const std::string text = "#[StartTime: 1000.000 (seconds since epoch)]\nTag=a,0.000,1.000,60000.000," + enc +
                           "\nTag=b,0.000,1.000,60000.000," + enc + "\n";
  const lab::Result r = lab::read_hlog(text, "t.hlog");
  EXPECT_EQ(r.summary->requests, 2 * 309u);
  EXPECT_EQ(r.endpoints.size(), 2u);
  EXPECT_TRUE(lab::looks_like_hlog(text));
  EXPECT_FALSE(lab::looks_like_hlog("{\"schema\": 2}"));
  EXPECT_EQ(message("#[Histogram log format version 1.3]\n0.000,1.000,HISTF\n"),
            "bad.hlog:2: expected StartTimestamp,Interval_Length,Interval_Max,Interval_Compressed_Histogram");
  EXPECT_NE(message("#[x]\n\n0.000,1.000,1.0,HISTFAAAAnope\n").find("bad.hlog:3: HdrHistogram encoding"),
            std::string::npos);
  EXPECT_EQ(message("#[Histogram log format version 1.3]\n"), "bad.hlog: an interval log with no interval in it");
}

// Numbers a log cannot hold are refused with the line: times before 1970 or after 2100 (1e15 s
// read as negative series times and an impossible started_at), intervals longer than a day, a
// span longer than a year; a log without its optional header lines is still a log.
TEST(HdrLog, TimesALogCannotHoldAreRefusedWithTheLine) {
  const std::string base = "#[BaseTime: 1796083200.000 (seconds since epoch)]\n";
  EXPECT_EQ(message(base + "0.000,1.000,1.0," + enc + "\n"), "accepted");
  EXPECT_NE(message(base + "1e15,1.000,1.0," + enc + "\n").find("bad.hlog:2: an interval starting"), std::string::npos);
  EXPECT_NE(message(base + "1e300,1.000,1.0," + enc + "\n").find("bad.hlog:2:"), std::string::npos);
  EXPECT_NE(message(base + "-1796083300,1.000,1.0," + enc + "\n").find("bad.hlog:2: an interval starting"),
            std::string::npos);
  EXPECT_NE(message(base + "0.000,1e9,1.0," + enc + "\n").find("bad.hlog:2: an interval of"), std::string::npos);
  EXPECT_NE(message(base + "0.000,1.000,1.0," + enc + "\n4e7,1.000,1.0," + enc + "\n").find("span"), std::string::npos);
  const std::string bare = "0.000,1.000,1.0," + enc + "\n1.000,1.000,1.0," + enc + "\n";
  EXPECT_TRUE(lab::looks_like_hlog(bare)) << "no header lines: still a log, not 'not valid JSON'";
  EXPECT_TRUE(lab::looks_like_hlog("Tag=a,0.000,1.000,1.0," + enc + "\n"));
  EXPECT_FALSE(lab::looks_like_hlog("[1, 2, 3]"));
  EXPECT_EQ(lab::read_hlog(bare, "bare.hlog").series.size(), 2u);
}

TEST(Hgrm, PrintsHdrHistogramsPercentileLinesAndFooter) {
  lab::Histogram h;
  for (std::uint64_t v = 1; v <= 1000; ++v) h.record(v * 1000);  // 1 us .. 1 ms
  const std::string text = lab::hgrm_text(h);
  EXPECT_EQ(text.rfind("       Value     Percentile TotalCount 1/(1-Percentile)\n\n", 0), 0u);
  EXPECT_NE(text.find("\n       0.001 0.000000000000          1           1.00\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\n       0.500 0.500000000000        500           2.00\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\n       1.000 1.000000000000       1000\n"), std::string::npos) << text;
  EXPECT_NE(text.find("#[Max     =        1.000, Total count    =         1000]\n"), std::string::npos) << text;
  EXPECT_NE(text.find("#[Buckets =           26, SubBuckets     =         2048]\n"), std::string::npos);
  // Half-way digits round up from the shortest decimal, as Java and hdr-histogram-js print them.
  lab::Histogram one;
  one.record(62'500);  // 0.0625 ms: half way at three decimals
  EXPECT_NE(lab::hgrm_text(one).find("\n       0.063 1.000000000000          1\n"), std::string::npos)
      << lab::hgrm_text(one);
}

}  // namespace
