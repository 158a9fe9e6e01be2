// Before a run: a run the open-file limit cannot hold is refused with the numbers and the fix.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <nlohmann/json.hpp>

#include "loadgen/run/preflight.h"

namespace lab {
namespace {

TEST(Preflight, ARunTheFdLimitCannotHoldIsRefusedWithTheFix) {
  rlimit rl{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &rl), 0);
  Workload w;
  w.users = static_cast<int>(std::min<rlim_t>(rl.rlim_max, 900'000)) + 100;  // one socket per user: too many
  nlohmann::json env;
  const std::string why = preflight(w, 0, env);
  EXPECT_NE(why.find("file descriptors"), std::string::npos) << why;
  EXPECT_NE(why.find("lower --users to at most"), std::string::npos) << why;
  EXPECT_GT(env["fds_needed_estimate"].get<std::uint64_t>(), static_cast<std::uint64_t>(w.users));
  w.users = 10;
  EXPECT_EQ(preflight(w, 0, env), "");
}

// The live view's connections count: a run that fits alone but not beside the listener's cap is
// refused, so the listener's connections cannot take the descriptors its users need.
TEST(Preflight, TheLiveViewsConnectionsAreCountedWithTheRuns) {
  Workload w;
  nlohmann::json env;
  ASSERT_EQ(preflight(w, 0, env), "");  // (raises the soft limit to the hard one)
  rlimit rl{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &rl), 0);
  const auto alone = env["fds_needed_estimate"].get<std::uint64_t>();
  ASSERT_LT(alone + 10, rl.rlim_cur);
  w.users += static_cast<int>(rl.rlim_cur - alone) - 10;  // 10 descriptors to spare alone
  ASSERT_EQ(preflight(w, 0, env), "") << "it fits alone";
  const std::string why = preflight(w, 32, env);
  EXPECT_NE(why.find("and the live view"), std::string::npos) << why;
}

}  // namespace
}  // namespace lab
