#pragma once
// The run as Prometheus text (exposition format 0.0.4): the same totals as the result document
// (requests, failures, per name, per status code, per error kind), the users and the plan's
// target, the client's health, and the successes' latency as a histogram whose buckets are
// counted from the exact one. Checked with `promtool check metrics`.
#include <string>

#include "common/result.h"

namespace lab {

struct LiveGauges {
  double users = 0, target = 0, elapsed_s = 0, run_time_s = 0;
  bool running = true;
  std::uint64_t dropped_listeners = 0;  // slow live-view clients dropped
};

std::string prometheus_text(const Result& r, const LiveGauges& g);

}  // namespace lab
