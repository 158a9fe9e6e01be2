#pragma once
// How a pushing output is asked for: --out KIND=URL[,key=value...] (docs/outputs.md), parsed and
// checked before the run, so a mistake names the key and the fix.
#include <chrono>
#include <cstddef>
#include <string>

#include "loadgen/outputs/frame.h"
#include "loadgen/outputs/http_post.h"

namespace lab {

struct PushOptions {
  std::string kind;  // "prometheus", "influxdb"
  std::string url;   // as given, with any password redacted (for every report)
  std::string host, port, target;
  std::chrono::milliseconds interval{1000};  // how often it pushes (the seconds between go together)
  std::chrono::milliseconds timeout{2000};   // one exchange, whole
  std::string names = "lab";                 // prometheus: the lab's series names, or k6's
  std::string db = "loadgen";                // influxdb: the database (created at the start)
  std::string testid;                        // the run's testid label (default: its start, UTC)
  Labels labels;                             // label.K=V: added to every series
  HttpHeaders headers;                       // authorization (user:pass@ in the URL, or token=)
  std::size_t backlog = 600;                 // frames held while the receiver does not take them
};

/// Parses "URL[,key=value...]" for `kind`; "" or the error (naming the key, and the fix).
std::string parse_push_options(const std::string& kind, const std::string& arg, PushOptions& o);

}  // namespace lab
