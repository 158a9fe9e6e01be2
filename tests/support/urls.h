#pragma once
// A URL the test knows is valid, parsed (a parse failure is a test failure, not a crash).
#include <gtest/gtest.h>

#include <string>

#include "loadgen/workload/url.h"

namespace labtest {

inline lab::Url parse_valid_url(const std::string& s) {
  std::string err;
  auto u = lab::parse_url(s, err);
  EXPECT_TRUE(u) << s << ": " << err;
  return u.value_or(lab::Url{});
}

}  // namespace labtest
