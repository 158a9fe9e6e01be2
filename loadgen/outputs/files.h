#pragma once
// The files a run writes at its end, as an output on the seam: --json (or --out json=PATH), --csv
// (Locust's four CSVs), --hlog (the HdrHistogram interval log). A file that cannot be written
// fails the run's end (exit 4) after the other outputs are told it.
#include <string>

#include "loadgen/run/observer.h"

namespace lab {

class FilesOutput : public RunObserver {
 public:
  std::string json_path, csv_prefix, hlog_path;
  bool any() const { return !json_path.empty() || !csv_prefix.empty() || !hlog_path.empty(); }
  void on_start(const nlohmann::json&) override {}
  void on_tick(const SeriesPoint&, double, std::shared_ptr<const Result>) override {}
  void on_control(const nlohmann::json&) override {}
  void on_end(RunEnd& end) override;
};

}  // namespace lab
