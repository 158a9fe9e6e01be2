#pragma once
// --out prometheus=URL: Prometheus remote write 1.0 (a protobuf WriteRequest, snappy block
// compressed, POSTed with the protocol's headers), every frame's series with the run's labels.
// names=k6 renames the series k6's output writes (k6_http_reqs_total, k6_http_req_duration_p99,
// k6_vus, ...: the table in docs/outputs.md), so Grafana's k6 dashboards read a loadgen run.
#include <string>
#include <vector>

#include "loadgen/outputs/pusher.h"

namespace lab {

/// The series name a lab metric has under `names` ("lab" or "k6").
std::string series_name(const std::string& lab_name, const std::string& names);

/// The WriteRequest of `frames`, serialized (not compressed): one TimeSeries per series, its
/// labels sorted by name (__name__ among them), its samples in time order.
std::string remote_write_request(const std::vector<Frame>& frames, const Labels& run_labels, const std::string& names);

class PrometheusOutput : public Pusher {
 public:
  using Pusher::Pusher;

 protected:
  PushRequest encode(const std::vector<Frame>& frames, const Labels& run_labels) override;
};

}  // namespace lab
