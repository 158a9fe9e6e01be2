// The number formatting every output shares.
#include "common/format.h"

#include <gtest/gtest.h>

namespace lab {
namespace {

TEST(Format, CommasGroupThousandsAndKeepTheSign) {
  EXPECT_EQ(commas(0), "0");
  EXPECT_EQ(commas(999), "999");
  EXPECT_EQ(commas(1000), "1,000");
  EXPECT_EQ(commas(1234567.8), "1,234,568");
  EXPECT_EQ(commas(-1234567), "-1,234,567");
  EXPECT_EQ(commas(-12), "-12");
  EXPECT_EQ(commas(100000), "100,000");
}

TEST(Format, MillisecondsShowThreeDecimalsBelowOneHundred) {
  EXPECT_EQ(ms(std::nullopt), "-");
  EXPECT_EQ(ms(0.1234), "0.123");
  EXPECT_EQ(ms(123.45), "123.5");
}

TEST(Format, RatesAndShortNumbers) {
  EXPECT_EQ(rps_text(12345.4), "12,345");
  EXPECT_EQ(rps_text(1.5), "1.5");
  EXPECT_EQ(short_num(12300), "12.3k");
  EXPECT_EQ(short_num(2.5e6), "2.5M");
  EXPECT_EQ(short_num(150), "150");
}

}  // namespace
}  // namespace lab
