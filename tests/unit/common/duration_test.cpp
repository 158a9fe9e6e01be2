// Durations as the command line takes them (Locust's forms: 30s, 1m30s, 500ms), refused otherwise,
// and printed shortest.
#include <gtest/gtest.h>

#include "common/duration.h"

using namespace std::chrono_literals;
using lab::parse_duration;

TEST(Duration, AcceptsLocustForms) {
  EXPECT_EQ(parse_duration("30s"), std::chrono::nanoseconds(30s));
  EXPECT_EQ(parse_duration("5m"), std::chrono::nanoseconds(5min));
  EXPECT_EQ(parse_duration("1h30m"), std::chrono::nanoseconds(90min));
  EXPECT_EQ(parse_duration("1h30m15s"), std::chrono::nanoseconds(5415s));
  EXPECT_EQ(parse_duration("250ms"), std::chrono::nanoseconds(250ms));
  EXPECT_EQ(parse_duration("1.5s"), std::chrono::nanoseconds(1500ms));
  EXPECT_EQ(parse_duration("10us"), std::chrono::nanoseconds(10us));
  EXPECT_EQ(parse_duration("60"), std::chrono::nanoseconds(60s));
}

TEST(Duration, RejectsEverythingElse) {
  for (const char* bad : {"", "s", "-1s", "10x", "1h30", "5 m", "1e3s", "..s", "99999999999999h", "m5"})
    EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
}

TEST(Duration, FormatsShortest) {
  EXPECT_EQ(lab::format_duration(90min), "1h30m");
  EXPECT_EQ(lab::format_duration(45s), "45s");
  EXPECT_EQ(lab::format_duration(250ms), "250ms");
  EXPECT_EQ(lab::format_duration(0s), "0s");
}
