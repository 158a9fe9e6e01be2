// The event-driven drivers' shared pieces: the deadline queue (a FIFO per duration, stale entries
// left for the caller to skip), what a fired deadline means for a session, and the connection
// table by fd.
#include "server/deadline.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server/conn_table.h"
#include "server/model.h"

namespace {

using namespace std::chrono_literals;
using Clock = lab::TimerQueue::Clock;

TEST(TimerQueue, EachDurationExpiresInOrderAndTheEarliestIsNext) {
  lab::TimerQueue q;
  const Clock::time_point t0{};
  EXPECT_FALSE(q.next().has_value()) << "nothing armed";
  q.add(t0, 10s, 3, 1, lab::DeadlineKind::kRead);
  q.add(t0 + 1s, 10s, 4, 1, lab::DeadlineKind::kRead);
  q.add(t0 + 2s, 1s, 5, 7, lab::DeadlineKind::kLinger);  // a shorter duration, armed later, due first
  ASSERT_TRUE(q.next().has_value());
  EXPECT_EQ(*q.next(), t0 + 3s);
  std::vector<int> fired;
  q.expire(t0 + 10s, [&](const lab::TimerQueue::Entry& e) { fired.push_back(e.fd); });
  EXPECT_EQ(fired, (std::vector<int>{3, 5})) << "due by 10 s: fd 3 (0 + 10) and fd 5 (2 + 1)";
  EXPECT_EQ(*q.next(), t0 + 11s);
  q.expire(t0 + 11s, [&](const lab::TimerQueue::Entry& e) {
    fired.push_back(e.fd);
    EXPECT_EQ(e.gen, 1u);
    EXPECT_EQ(e.kind, lab::DeadlineKind::kRead);
  });
  EXPECT_EQ(fired.back(), 4);
  EXPECT_FALSE(q.next().has_value());
}

// A fired entry's handler may arm another, even of a new duration (the list of lists may move).
TEST(TimerQueue, AHandlerMayArmDeadlinesOfANewDuration) {
  lab::TimerQueue q;
  const Clock::time_point t0{};
  for (int fd = 0; fd < 4; ++fd) q.add(t0, 1s, fd, 1, lab::DeadlineKind::kWait);
  int fired = 0;
  q.expire(t0 + 1s, [&](const lab::TimerQueue::Entry& e) {
    ++fired;
    q.add(t0 + 1s, std::chrono::seconds(2 + e.fd), e.fd, e.gen + 1, lab::DeadlineKind::kRead);
  });
  EXPECT_EQ(fired, 4);
  EXPECT_EQ(*q.next(), t0 + 3s);
  std::vector<std::uint64_t> gens;
  q.expire(t0 + 1h, [&](const lab::TimerQueue::Entry& e) { gens.push_back(e.gen); });
  EXPECT_EQ(gens, (std::vector<std::uint64_t>{2, 2, 2, 2}));
}

TEST(Deadline, AFiredDeadlineMeansWhatItsKindAndTheSessionSay) {
  lab::ServerConfig cfg;
  lab::ServerStats stats;
  lab::ModelInfo keeps{
      {.name = "keeps", .kind = lab::ModelKind::kEventLoop, .keeps_alive = true, .event_driven = true}};
  const lab::ModelContext ctx{cfg, stats, -1, keeps};
  lab::Session s(ctx, nullptr);
  EXPECT_EQ(lab::on_deadline(lab::DeadlineKind::kLinger, s, 0, false), lab::OnDeadline::kClose);
  EXPECT_EQ(lab::on_deadline(lab::DeadlineKind::kWait, s, 0, false), lab::OnDeadline::kWaitDone);
  EXPECT_EQ(lab::on_deadline(lab::DeadlineKind::kRead, s, 0, false), lab::OnDeadline::kReadTimeout);
  // Output in flight: no progress since the mark is a write timeout; progress extends it.
  EXPECT_EQ(lab::on_deadline(lab::DeadlineKind::kRead, s, s.bytes_written(), true), lab::OnDeadline::kWriteTimeout);
  EXPECT_EQ(lab::on_deadline(lab::DeadlineKind::kRead, s, s.bytes_written() + 1, true), lab::OnDeadline::kExtend);
  // The driver's side: a write timeout closes and is counted, an extension re-arms.
  bool waiting = true, closed = false, rearmed = false;
  std::atomic<std::uint64_t> write_timeouts{0};
  EXPECT_FALSE(lab::apply_deadline(
      lab::OnDeadline::kWriteTimeout, s, waiting, write_timeouts, [&] { closed = true; }, [&] { rearmed = true; }));
  EXPECT_TRUE(closed);
  EXPECT_EQ(write_timeouts.load(), 1u);
  EXPECT_FALSE(lab::apply_deadline(
      lab::OnDeadline::kExtend, s, waiting, write_timeouts, [] {}, [&] { rearmed = true; }));
  EXPECT_TRUE(rearmed);
  EXPECT_TRUE(lab::apply_deadline(
      lab::OnDeadline::kWaitDone, s, waiting, write_timeouts, [] {}, [] {}));
  EXPECT_FALSE(waiting);
}

struct Conn {
  explicit Conn(std::string n) : name(std::move(n)) {}
  std::string name;
};

TEST(ConnTable, ConnectionsByFdWithSlotsReused) {
  lab::ConnTable<Conn> t(4);
  EXPECT_EQ(t.get(-1), nullptr);
  EXPECT_EQ(t.get(100), nullptr) << "beyond the table";
  t.emplace(2, "two");
  t.emplace(9, "nine");  // grows the table
  EXPECT_EQ(t.live(), 2u);
  ASSERT_NE(t.get(9), nullptr);
  EXPECT_EQ(t.get(9)->name, "nine");
  t.erase(2);
  t.erase(2);  // twice: nothing more
  EXPECT_EQ(t.live(), 1u);
  EXPECT_EQ(t.get(2), nullptr);
  t.emplace(2, "two again");  // the kernel hands the fd out again
  EXPECT_EQ(t.get(2)->name, "two again");
  EXPECT_EQ(t.live(), 2u);
  std::vector<std::string> seen;
  t.for_each([&](Conn& c) {
    seen.push_back(c.name);
    if (c.name == "two again") t.erase(2);  // the function may erase what it is given
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"two again", "nine"}));
  EXPECT_EQ(t.live(), 1u);
}

}  // namespace
