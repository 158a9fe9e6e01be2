// --expect-status: codes, ranges and classes.
#include <gtest/gtest.h>

#include "loadgen/workload/status_set.h"

using lab::StatusSet;

TEST(StatusSet, CodesRangesAndClasses) {
  StatusSet def;
  EXPECT_TRUE(def.accepts(200));
  EXPECT_TRUE(def.accepts(204));
  EXPECT_FALSE(def.accepts(302));
  EXPECT_FALSE(def.accepts(404));
  std::string err;
  auto s = StatusSet::parse("200, 301-302,4xx", err);
  ASSERT_TRUE(s) << err;
  EXPECT_TRUE(s->accepts(200));
  EXPECT_FALSE(s->accepts(201));
  EXPECT_TRUE(s->accepts(302));
  EXPECT_TRUE(s->accepts(451));
  EXPECT_FALSE(s->accepts(500));
  for (const char* bad : {"", "2xy", "600-500", "abc", "99"}) EXPECT_FALSE(StatusSet::parse(bad, err)) << bad;
}
