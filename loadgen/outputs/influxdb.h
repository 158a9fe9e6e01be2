#pragma once
// --out influxdb=URL[,db=NAME]: InfluxDB 1.x line protocol over HTTP (/write?db=NAME&precision=ms),
// in k6's v1 measurement layout so its InfluxDB dashboards read a loadgen run: http_reqs (a point
// per second, name, method and status: its value the requests of that second, so sum() is the
// count), http_req_duration (the second's average in ms as value, with p50, p95, p99 fields),
// http_req_failed (the second's failure ratio), data_received, vus; and the lab's own
// loadgen_failures (by kind) and loadgen_client. Counters go as differences from what the
// receiver has taken: a failed push is carried into the next, so the sums stay exact.
#include <map>
#include <string>
#include <vector>

#include "loadgen/outputs/pusher.h"

namespace lab {

/// The lines of `frames`; `baseline` holds each counter's last sent total (by its series key) and
/// is moved on to the totals these lines carry.
std::string influx_lines(const std::vector<Frame>& frames, const Labels& run_labels,
                         std::map<std::string, double>& baseline);

class InfluxOutput : public Pusher {
 public:
  using Pusher::Pusher;

 protected:
  std::string prepare(HttpPoster& poster) override;
  PushRequest encode(const std::vector<Frame>& frames, const Labels& run_labels) override;
  void taken(const std::vector<Frame>&) override { sent_ = pending_; }

 private:
  std::map<std::string, double> sent_, pending_;  // counters' totals the receiver took; in flight
};

}  // namespace lab
