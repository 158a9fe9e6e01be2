#pragma once
// Per-thread statistics and the once-a-second merge. Each worker thread records into its own
// WorkerStats (a mutex it alone takes, except for the collector's one swap per second), so the
// hot path never contends. The Collector swaps each worker's interval out, merges it into the
// run's totals exactly (histograms add bucket by bucket) and keeps the per-second series.
#include <time.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/histogram.h"
#include "common/result.h"
#include "loadgen/measure/errors.h"
#include "loadgen/pacing/load_model.h"

namespace lab {

/// Status codes 100..999, by code - kFirstStatus.
inline constexpr int kFirstStatus = 100;
inline constexpr std::size_t kStatusSlots = 900;

/// One request name's share of an interval (--scenario).
struct NameInterval {
  Histogram latency, failed;
  std::uint64_t requests = 0, failures = 0, bytes = 0;
  std::array<std::uint64_t, static_cast<std::size_t>(ErrorKind::kCount)> errors{};
  std::map<int, std::uint64_t> status;
  std::map<int, std::uint64_t> unexpected;  // failures of kind http_<code>, by code
  void reset();
  void merge(const NameInterval& o);
};

/// How long each phase of one request took (0: the phase did not happen, e.g. no new connection).
struct PhaseTimes {
  std::uint64_t connect_ns = 0, tls_ns = 0, waiting_ns = 0, receiving_ns = 0;
  // HTTP/2: from the request's start (after a connection it opened) until its stream opened:
  // waiting for the connection, the server's SETTINGS, or a free stream. Timed (queued) on h2 only.
  std::uint64_t queued_ns = 0;
  bool queued = false;
};

/// The server's CPU over one interval (--server-cgroup), as the engine read it from its cgroup.
struct ServerInterval {
  double cpu_s = 0, throttled_s = 0;
};

struct Interval {
  Histogram latency;      // successes; rate mode: from the intended send time (and unsent)
  Histogram uncorrected;  // rate mode: from the actual send time
  Histogram failed;       // how long failed requests took
  Histogram lag;          // how late the client woke for requests it was waiting to send
  Histogram reap;         // the ring: how long a response that was to wake its user sat in the kernel
  std::uint64_t requests = 0, failures = 0, bytes = 0, unsent = 0;
  std::uint64_t lag_sum_ns = 0, lag_max_ns = 0, lag_count = 0;
  std::uint64_t reap_max_ns = 0;
  std::uint64_t late_sum_ns = 0, late_count = 0;  // rate mode: sends already due (a backlog)
  std::array<std::uint64_t, static_cast<std::size_t>(ErrorKind::kCount)> errors{};  // not by status
  std::array<std::uint64_t, kStatusSlots> status{};                                 // every response received, by code
  // The failures of kind http_<code>, by code: a response whose status was unexpected. Not every
  // response of that code: a scenario's status check can fail a 401 as kind `check` instead.
  std::map<int, std::uint64_t> unexpected;
  std::vector<NameInterval> names;  // --scenario: by request index (empty otherwise)
  void reset();
  void add_lag(std::uint64_t lag_ns);
  void merge(const Interval& o);
};

/// The phases of complete responses (kPhases' order): connect and tls count only the responses
/// that opened a connection. Kept for the whole run, not per second (no series needs them).
using PhaseHistograms = std::array<Histogram, kPhases.size()>;

/// First and last time a kind of failure was seen, and one example of it.
struct ErrorSeen {
  double first_s = -1, last_s = -1;
  std::string example;
};
/// Key of a failure kind: the ErrorKind, the status code for unexpected statuses, and the
/// request's index + 1 in a scenario (0 without per-name statistics).
inline std::uint32_t error_key(ErrorKind k, int code, int name = -1) {
  return static_cast<std::uint32_t>(k) | (static_cast<std::uint32_t>(code) << 8) |
         (static_cast<std::uint32_t>(name + 1) << 18);
}

/// A load thread's time, ns: on a CPU (its CPU clock), and busy: on a CPU or runnable and waiting
/// for one (the kernel's schedstat run + run-queue delay; the CPU time where that is not
/// available). A thread starved by other work on its CPU is as busy as one that computes.
struct ThreadTime {
  std::uint64_t cpu_ns = 0, busy_ns = 0;
};

class WorkerStats {
 public:
  /// Called on the worker's thread only; one lock per request.
  /// `status` is the response's code (0 when there was no response).
  /// `name` is the request's index in the scenario when names are kept (set_names), else -1.
  void record_success(int status, std::uint64_t latency_ns, std::uint64_t uncorrected_ns, std::uint64_t bytes,
                      std::uint64_t lag_ns, int name = -1, const PhaseTimes& phases = {});
  /// `phases` only for a complete response (an unexpected status).
  void record_failure(ErrorKind kind, int status, double at_s, const std::string& detail, std::uint64_t latency_ns,
                      std::uint64_t lag_ns, int name = -1, const PhaseTimes* phases = nullptr);
  /// The ring path: a response that was to resume its user at once (not a paced user's deferred
  /// one) sat `gap_ns` in the kernel before the client reaped it (the client's own lateness).
  void record_reap(std::uint64_t gap_ns);
  /// Keep statistics per request name for `n` names (before the run starts).
  void set_names(std::size_t n);
  /// Rate mode: scheduled requests never sent, each as late as from its slot to the end.
  void record_unsent(const UnsentSlots& slots);
  /// Rate mode: a request sent `late_ns` after its slot because the connection was still busy
  /// with an earlier one (the server's backlog, not the client's lag).
  void record_late_send(std::uint64_t late_ns);

  /// Called by the thread that records here as it starts: the collector can then tell how busy
  /// it was each second.
  void attach_thread();
  /// How much of its time the recording thread has used so far (zeros before attach_thread).
  ThreadTime thread_time() const;
  /// Called by the recording thread as it ends: its times stay readable afterwards.
  void detach_thread();
  /// The thread's times from `source` instead of the kernel's clocks (before the collector is
  /// made): a collector judged on known busy times, whatever else the machine is running.
  void use_thread_times(std::function<ThreadTime()> source) { source_ = std::move(source); }

  /// Collector side: swaps the current interval with `into` (which must be reset).
  void swap_interval(Interval& into);
  /// Collector side, after the run.
  std::map<std::uint32_t, ErrorSeen> errors_seen();
  void add_phases_to(PhaseHistograms& into);

 private:
  std::mutex mu_;
  Interval cur_;
  PhaseHistograms phases_;
  std::size_t names_ = 0;
  void add_phases(const PhaseTimes& p);
  std::map<std::uint32_t, ErrorSeen> seen_;
  std::atomic<bool> attached_{false}, detached_{false};
  ThreadTime frozen_{};
  std::function<ThreadTime()> source_;
  clockid_t cpu_clock_{};
  long tid_ = 0;
};

class Collector {
 public:
  explicit Collector(std::vector<WorkerStats*> workers);
  /// --scenario: the request names, by index (the workers' set_names): each series point then
  /// carries a row per name.
  void set_names(std::vector<std::string> names) { names_ = std::move(names); }
  /// Merges every worker's interval; `seconds` is the interval's end (s since start),
  /// `length_s` its length. Appends a series point and returns it.
  const SeriesPoint& tick(int seconds, double length_s, int users, std::optional<ServerInterval> server = {});

  const Interval& total() const { return total_; }
  std::uint64_t successes() const { return total_.requests - total_.failures; }
  const std::vector<SeriesPoint>& series() const { return series_; }
  /// After the run: every kind of failure with its count, first/last second and example; with
  /// `name` >= 0 those of that request name only.
  std::vector<ErrorEntry> errors(int name = -1) const;
  /// After the run: every worker's phase histograms, merged.
  PhaseHistograms phases() const;
  /// Lag recorded in the seconds a load thread was busy at least kBusyShare of the time.
  const Histogram& busy_lag() const { return busy_lag_; }
  /// For each second in which some load thread was busy (kBusyShare): the worst of those threads'
  /// lag p99 in it, ns (how late the client was, second by second, when it was its own doing).
  const std::vector<std::uint64_t>& busy_lag_by_second() const { return busy_lag_by_second_; }
  /// The seconds ticked so far.
  int seconds() const { return seconds_; }
  /// Thread-seconds that busy.
  double busy_s() const { return busy_s_; }
  /// The load threads' busy share of the run so far (on a CPU or waiting for one), and their
  /// CPU share; nullopt before the first tick or without the threads' clocks.
  std::optional<double> busy_share() const {
    return thread_s_ > 0 ? std::optional<double>(busy_total_s_ / thread_s_) : std::nullopt;
  }
  std::optional<double> cpu_share() const {
    return thread_s_ > 0 ? std::optional<double>(cpu_total_s_ / thread_s_) : std::nullopt;
  }
  static constexpr double kBusyShare = 0.5;

 private:
  std::vector<WorkerStats*> workers_;
  std::vector<ThreadTime> time_at_tick_;
  Histogram busy_lag_;
  std::vector<std::uint64_t> busy_lag_by_second_;
  int seconds_ = 0;
  double busy_s_ = 0, busy_total_s_ = 0, cpu_total_s_ = 0, thread_s_ = 0;
  Interval scratch_, merged_, total_;
  std::vector<SeriesPoint> series_;
  std::vector<std::string> names_;
};

}  // namespace lab
