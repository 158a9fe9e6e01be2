// The three Poller backends keep one contract: readiness as asked, interest changed and dropped,
// hang-ups reported, a timeout that returns nothing; select refuses what FD_SETSIZE cannot hold.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>

#include "server/reactor/poller.h"

namespace lab {
namespace {

struct Backend {
  const char* name;
  std::function<std::unique_ptr<Poller>()> make;
};

class PollerContract : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds_), 0);
    poller_ = GetParam().make();
    ASSERT_TRUE(poller_);
  }
  void TearDown() override {
    if (fds_[0] >= 0) close(fds_[0]);
    if (fds_[1] >= 0) close(fds_[1]);
  }
  // Waits until something is reported (edge-triggered backends report a change once).
  unsigned events_for(int fd, int timeout_ms = 200) {
    std::vector<PollEvent> out;
    const int n = poller_->wait(timeout_ms, out);
    EXPECT_GE(n, 0);
    unsigned ev = 0;
    for (const auto& e : out)
      if (e.fd == fd) ev |= e.events;
    return ev;
  }
  int fds_[2] = {-1, -1};
  std::unique_ptr<Poller> poller_;
};

// Level-triggered backends report exactly the interest asked for (edge-triggered epoll asks for
// both once and leaves the choice to the reactor: EpollPoller.EdgeTriggered... below).
using LevelTriggeredContract = PollerContract;

TEST_P(LevelTriggeredContract, ReportsWhatWasAskedForAndHonoursChanges) {
  const int a = fds_[0], b = fds_[1];
  ASSERT_TRUE(poller_->add(a, kReadable));
  EXPECT_EQ(events_for(a, 20), 0u) << "nothing to read yet: the wait times out empty";
  ASSERT_EQ(write(b, "x", 1), 1);
  EXPECT_EQ(events_for(a) & kReadable, kReadable);
  ASSERT_TRUE(poller_->modify(a, kWritable));
  EXPECT_EQ(events_for(a) & kWritable, kWritable) << "an empty send buffer is writable";
  ASSERT_TRUE(poller_->modify(a, 0));
  EXPECT_EQ(events_for(a, 20), 0u) << "no interest, no report";
  poller_->remove(a);
  ASSERT_EQ(write(b, "y", 1), 1);
  EXPECT_EQ(events_for(a, 20), 0u) << "removed: never reported again";
}

TEST_P(PollerContract, AHangUpIsReportedAsReadable) {
  const int a = fds_[0];
  ASSERT_TRUE(poller_->add(a, kReadable));
  close(fds_[1]);
  fds_[1] = -1;
  EXPECT_NE(events_for(a) & kReadable, 0u) << "the reader must see EOF";
}

TEST_P(PollerContract, ManyDescriptorsAreReportedTogether) {
  int more[4][2];
  for (auto& p : more) ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, p), 0);
  for (auto& p : more) ASSERT_TRUE(poller_->add(p[0], kReadable));
  for (auto& p : more) ASSERT_EQ(write(p[1], "z", 1), 1);
  std::vector<PollEvent> out;
  ASSERT_EQ(poller_->wait(200, out), 4);
  for (auto& p : more) {
    poller_->forget(p[0]);
    close(p[0]);
    close(p[1]);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, LevelTriggeredContract,
                         ::testing::Values(Backend{"select", [] { return make_select_poller(); }},
                                           Backend{"poll", [] { return make_poll_poller(); }},
                                           Backend{"epoll", [] { return make_epoll_poller(false); }}),
                         [](const auto& info) { return std::string(info.param.name); });
INSTANTIATE_TEST_SUITE_P(Backends, PollerContract,
                         ::testing::Values(Backend{"select", [] { return make_select_poller(); }},
                                           Backend{"poll", [] { return make_poll_poller(); }},
                                           Backend{"epoll", [] { return make_epoll_poller(false); }},
                                           Backend{"epoll_et", [] { return make_epoll_poller(true); }}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(SelectPoller, RefusesDescriptorsAboveFdSetsize) {
  rlimit rl{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &rl), 0);
  ASSERT_GT(rl.rlim_cur, static_cast<rlim_t>(FD_SETSIZE + 5)) << "this test needs an fd limit above FD_SETSIZE";
  const int s = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(s, 0);
  const int high = dup2(s, FD_SETSIZE + 5);
  close(s);
  ASSERT_GE(high, 0);
  auto p = make_select_poller();
  errno = 0;
  EXPECT_FALSE(p->add(high, kReadable));
  EXPECT_NE(errno, 0) << "the refusal says why";
  close(high);
}

TEST(EpollPoller, EdgeTriggeredReportsAChangeOnce) {
  int s[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, s), 0);
  auto p = make_epoll_poller(true);
  EXPECT_TRUE(p->edge_triggered());
  ASSERT_TRUE(p->add(s[0], kReadable));
  ASSERT_EQ(write(s[1], "x", 1), 1);
  std::vector<PollEvent> out;
  EXPECT_EQ(p->wait(200, out), 1);
  EXPECT_EQ(p->wait(20, out), 0) << "unread data is not reported again without a new edge";
  auto lt = make_epoll_poller(false);
  ASSERT_TRUE(lt->add(s[0], kReadable));
  EXPECT_EQ(lt->wait(200, out), 1);
  EXPECT_EQ(lt->wait(200, out), 1) << "level-triggered: reported while data waits";
  close(s[0]);
  close(s[1]);
}

}  // namespace
}  // namespace lab
