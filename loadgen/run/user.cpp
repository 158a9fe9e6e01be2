// The virtual user, as Locust's HttpUser: wait until its pacing (pacing/load_model.h: think time, none, or
// the next slot of an open-loop schedule) says the next request is due, hand it to the thread's
// client path (client/path.h: how the bytes travel), record what came back, until the run ends.
// In an open loop the latency is measured from the due time, so a stalled server cannot hide
// (wrk2's correction).
#include <random>

#include "loadgen/run/worker.h"

namespace lab {

using boost::system::error_code;

namespace {

// A complete response to request k of a user with state: its cookies stored, its checks and
// extractions run (run/user_flow.h); a check's status replaces --expect-status's verdict, and a
// failed check or extraction makes the request a failure of its kind.
void judge(Worker& w, UserFlow& f, std::size_t k, std::uint64_t elapsed_ns, Outcome& o) {
  std::string detail;
  const FlowFailure why =
      w.flow->after(f, k, o.status, o.ok, static_cast<double>(elapsed_ns) / 1e6, w.flow_counts, detail);
  if (w.flow->checks_status(k)) {
    o.ok = true;
    o.kind = ErrorKind::kOther;
  }
  if (why == FlowFailure::kNone) return;
  o.ok = false;
  o.kind = why == FlowFailure::kCheck     ? ErrorKind::kCheck
           : why == FlowFailure::kExtract ? ErrorKind::kExtract
                                          : ErrorKind::kBodyTooLarge;
  o.detail = std::move(detail);
}

}  // namespace

Task<void> run_user(Worker& w, User& u, Clock::time_point first_at) {
  const Workload& wl = w.workload;
  const LoadModel& model = w.model;
  const bool open_loop = model.open_loop();
  UserPacing& pacing = *u.pacing;
  Clock::time_point intended = pacing.first(first_at);
  Clock::time_point last_finished{};  // when its last request finished ({} before the first)
  u.picker.restart();                 // a user that starts again (stages) runs its start sequence again
  if (u.flow) u.flow->restart();      // ... with an empty cookie jar and no variables
  const std::size_t rows = w.requests.rows();
  if (wl.data.given() && wl.data.per == DataPer::kUser)  // the row it keeps
    u.data_row = wl.data.order == DataOrder::kRandom
                     ? std::uniform_int_distribution<std::size_t>(0, rows - 1)(w.data_rng)
                     : static_cast<std::size_t>(u.id) % rows;
  w.active_users.fetch_add(1, std::memory_order_relaxed);  // active until the end of the run
  error_code ec;
  while (!w.stopping && !u.retiring) {
    auto now = Clock::now();
    if (intended >= w.end) {
      // Its next request falls after the end: it stays an active user to the end, and with
      // a plan (--stages, or a steered run) it waits there, so that a ramp down still sees it
      // leave and the plan does not start it again.
      if (!w.plan.empty() && !open_loop) {
        u.timer.expires_at(w.end);
        co_await u.timer.async_wait(asio::redirect_error(use_task, ec));
      }
      break;
    }
    // Lag is the client's own lateness: how late it woke for a request it was waiting to send.
    // A request already due (the previous response came late) is the server's doing: in an
    // open loop it shows in the corrected latency instead.
    std::uint64_t lag = 0;
    if (intended > now) {
      u.timer.expires_at(intended);
      co_await u.timer.async_wait(asio::redirect_error(use_task, ec));
      if (w.stopping || u.retiring) break;
      now = Clock::now();
      lag = ns_between(intended, now);
    } else if (open_loop && intended < now) {
      w.stats.record_late_send(ns_between(intended, now));
    }
    const int k = u.picker.next(u.rng);
    std::size_t row = u.data_row;
    if (rows > 1 && wl.data.per == DataPer::kRequest)  // this request's row: in turn across threads, or drawn
      row = wl.data.order == DataOrder::kRandom
                ? std::uniform_int_distribution<std::size_t>(0, rows - 1)(w.data_rng)
                : static_cast<std::size_t>(
                      (static_cast<std::uint64_t>(w.index) + static_cast<std::uint64_t>(wl.threads) * w.data_turn++) %
                      rows);
    const WireRequest* req = nullptr;
    ResponseCapture* capture = nullptr;
    if (!u.flow) {
      req = &w.requests.get(row, static_cast<std::size_t>(k), u.built);
    } else {  // with the user's variables and cookies, or not sent for want of a variable
      std::string missing;
      req = w.flow->prepare(*u.flow, w.requests, row, static_cast<std::size_t>(k), u.built, w.flow_counts, missing);
      if (!req) {
        // Skipped (counted by variable): the flow goes back to its start sequence, at the next
        // time the pacing gives (a turn of the loop lets the others run first).
        u.picker.restart();
        intended = pacing.next(intended, now);
        co_await asio::post(use_task);
        continue;
      }
      capture = w.flow->capture_for(*u.flow, static_cast<std::size_t>(k));
    }
    const Clock::time_point sent_at = now;
    u.timed_out = false;
    u.deadline = sent_at + wl.timeout;
    // (a named Exchange, not a temporary in the co_await: GCC 12 mishandles those)
    const Exchange x{*req, sent_at, intended, last_finished, capture};
    Outcome o = co_await w.path->exchange(u, x);
    u.deadline = {};
    const Clock::time_point done_at = Clock::now();
    // A response that was to resume its user at once, and sat in the kernel: the client's delay.
    if (o.prompt && o.arrived != Clock::time_point{} && o.arrived < done_at)
      w.stats.record_reap(ns_between(o.arrived, done_at));
    // The response's end: when the kernel received it if known (a batched reap is later), else now.
    const Clock::time_point end_at = o.arrived != Clock::time_point{} ? std::min(o.arrived, done_at) : done_at;
    const bool responded = o.ok || o.kind == ErrorKind::kUnexpectedStatus;  // a complete response: timed
    // When it finished: a response, when it arrived (the ring may resume its user later); else now.
    const Clock::time_point finished = responded ? end_at : done_at;
    last_finished = finished;
    if (w.stopping || finished > w.end) {  // finished after the end: not part of the run
      w.in_flight_at_stop.fetch_add(1, std::memory_order_relaxed);
      intended = pacing.next(intended, finished);  // this one was sent
      break;
    }
    const int name = w.by_name ? k : -1;
    if (responded) o.phases.receiving_ns = ns_between(o.first_byte, end_at);
    if (responded && u.flow) judge(w, *u.flow, static_cast<std::size_t>(k), ns_between(sent_at, end_at), o);
    if (o.ok) {
      if (open_loop)
        w.stats.record_success(o.status, ns_between(intended, end_at), ns_between(sent_at, end_at), o.bytes, lag, name,
                               o.phases);
      else
        w.stats.record_success(o.status, ns_between(sent_at, end_at), 0, o.bytes, lag, name, o.phases);
    } else {
      w.stats.record_failure(o.kind, o.status, w.seconds_since_start(done_at), o.detail, ns_between(sent_at, done_at),
                             lag, name, responded ? &o.phases : nullptr);
    }
    if (!o.reusable) w.path->close(u, responded);
    const auto& think = wl.scenario.requests[static_cast<std::size_t>(k)].think;
    intended = think ? pacing.next_after(intended, finished, *think) : pacing.next(intended, finished);
  }
  w.path->close(u, false);
  // This activation, for the ideal schedule: a user that left (stages) ends now; one still
  // active at the end of the run is active to the end.
  const bool left = u.retiring && !w.stopping;
  w.activations_s.emplace_back(u.started_s, left ? w.seconds_since_start(Clock::now()) : -1.0);
  if (left) w.active_users.fetch_sub(1, std::memory_order_relaxed);
  u.retiring = false;
  u.running = false;
  // Open loop: the slots of this user's schedule that fell before the end but were never sent
  // (it was still waiting for a response). Each would have waited at least until the end.
  if (open_loop) {
    const Clock::time_point until = std::min(w.end, w.stopped_at);
    if (intended < until) w.stats.record_unsent(pacing.unsent(intended, until));
  }
}
}  // namespace lab
