#include "loadgen/outputs/prometheus.h"

#include <snappy.h>

#include <algorithm>
#include <map>

#include "remote_write.pb.h"

namespace lab {

std::string series_name(const std::string& lab_name, const std::string& names) {
  if (names != "k6") return lab_name;
  // k6's names (its experimental-prometheus-rw output): durations in seconds, trends as one gauge
  // per statistic
  static const std::map<std::string, std::string> k6 = {
      {"loadgen_requests_total", "k6_http_reqs_total"},
      {"loadgen_bytes_received_total", "k6_data_received_total"},
      {"loadgen_request_failure_ratio", "k6_http_req_failed_rate"},
      {"loadgen_request_duration_avg_seconds", "k6_http_req_duration_avg"},
      {"loadgen_request_duration_p50_seconds", "k6_http_req_duration_med"},
      {"loadgen_request_duration_p95_seconds", "k6_http_req_duration_p95"},
      {"loadgen_request_duration_p99_seconds", "k6_http_req_duration_p99"},
      {"loadgen_users", "k6_vus"},
  };
  const auto it = k6.find(lab_name);
  return it == k6.end() ? lab_name : it->second;
}

std::string remote_write_request(const std::vector<Frame>& frames, const Labels& run_labels, const std::string& names) {
  prometheus::WriteRequest req;
  std::map<Labels, prometheus::TimeSeries*> series;  // by its sorted labels
  for (const Frame& f : frames) {
    for (const SeriesValue& m : f.metrics) {
      Labels l = m.labels;
      l.insert(l.end(), run_labels.begin(), run_labels.end());
      l.emplace_back("__name__", series_name(m.name, names));
      std::sort(l.begin(), l.end());
      auto [it, fresh] = series.try_emplace(l, nullptr);
      if (fresh) {
        it->second = req.add_timeseries();
        for (const auto& [k, v] : l) {
          prometheus::Label* pl = it->second->add_labels();
          pl->set_name(k);
          pl->set_value(v);
        }
      }
      prometheus::Sample* s = it->second->add_samples();
      s->set_value(m.value);
      s->set_timestamp(f.ms);
    }
  }
  return req.SerializeAsString();
}

PushRequest PrometheusOutput::encode(const std::vector<Frame>& frames, const Labels& run_labels) {
  const std::string raw = remote_write_request(frames, run_labels, o_.names);
  PushRequest r;
  r.target = o_.target;
  snappy::Compress(raw.data(), raw.size(), &r.body);
  r.headers = {{"Content-Type", "application/x-protobuf"},
               {"Content-Encoding", "snappy"},
               {"X-Prometheus-Remote-Write-Version", "0.1.0"}};
  r.headers.insert(r.headers.end(), o_.headers.begin(), o_.headers.end());
  return r;
}

}  // namespace lab
