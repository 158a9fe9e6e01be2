#pragma once
// What the live view serves, kept as the run (or a whole job of runs) publishes it: an event log
// of hello, tick, control and end events with increasing ids (so a browser that reconnects with
// Last-Event-ID gets what it missed), the latest result document, and the metrics.
// Publishing appends and wakes the server; it never waits for a reader. The result is kept as the
// run handed it over and written out as JSON or Prometheus text only when someone asks (on the
// asker's thread, once per version): a long run pays nothing a second for a document nobody
// reads. Thread-safe.
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "loadgen/live/metrics.h"

namespace lab {

struct LiveEvent {
  std::uint64_t id = 0;
  std::string type;  // hello, tick, control, end; job, row (a job of runs)
  std::string data;  // one line of JSON
};

class LiveHub {
 public:
  LiveHub();
  /// This hub's run (random, 12 hex digits): an event's id on the wire is RUN.N, so a page that
  /// reconnects to another run's stream with its Last-Event-ID starts that run from its hello.
  const std::string& run_id() const { return run_id_; }
  /// Appends an event (its id the next) and wakes the listeners.
  std::uint64_t publish(const std::string& type, const std::string& data);
  /// The run so far (or at its end) and its gauges: /snapshot.json and /metrics, made when asked.
  void set_result(std::shared_ptr<const Result> result, const LiveGauges& gauges);
  /// A job's hub: the documents as a run sent them (text), replacing any result.
  void set_snapshot(std::string json);
  void set_metrics(std::string text);
  /// The events after `id` (0: all), at most `max` of them.
  std::vector<LiveEvent> events_after(std::uint64_t id, std::size_t max = 100000) const;
  std::uint64_t last_id() const;
  /// The result document so far ("{}" before the first second).
  std::string snapshot() const;
  /// The run's metrics in Prometheus text (at zero before the first second).
  std::string metrics() const;
  bool ended() const;  // an `end` arrived (for a job: its `job-end`)
  /// Called at every publish, from the publishing thread and under the hub's lock (it must only
  /// post to the server's own thread); nullptr stops it, waiting for a publish in flight.
  void on_publish(std::function<void()> fn);

  /// The log is bounded: past this many events the oldest ticks are dropped (hello, control,
  /// end and job events are kept), so a day-long run does not grow without bound.
  static constexpr std::size_t kMaxEvents = 20000;

 private:
  mutable std::mutex mu_;
  std::vector<LiveEvent> log_;
  std::uint64_t next_id_ = 1;
  std::shared_ptr<const Result> result_;
  LiveGauges gauges_;
  std::uint64_t version_ = 0;            // of result_
  mutable std::string snapshot_ = "{}";  // to_json(*result_) once made, or as received
  mutable std::uint64_t snapshot_version_ = 0;
  std::string metrics_;  // as received (a job's hub)
  bool ended_ = false;
  std::function<void()> wake_;
  std::string run_id_;
};

}  // namespace lab
