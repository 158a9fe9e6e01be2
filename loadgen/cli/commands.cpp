#include "loadgen/cli/commands.h"

namespace lab {

const std::vector<Command>& commands() {
  // The registration table: one line per command.
  static const std::vector<Command> all = {
      {"run", "run a load test (the default: loadgen -H URL ...)", run_main},
      {"capacity", "find the highest rate a target sustains within an SLO", capacity_main},
      {"merge", "merge the shards of a distributed run into one result, exactly", merge_main},
      {"compare", "compare two runs model by model, beyond the noise", compare_main},
      {"summary", "print and write a run folder's summary table", summary_main},
      {"report", "write a run folder's HTML report", report_main},
      {"export", "a result's latency as HdrHistogram's percentile text (.hgrm) or interval log (.hlog)", export_main},
      {"har2scenario", "a browser's recording (HAR) as a scenario, with its correlation candidates", har2scenario_main},
      {"aggregate", "fold a run folder's repeats into one result per model", aggregate_main},
      {"capacity-report", "write the answer table and report of a folder of capacity documents", capacity_report_main},
      {"live-hub", "serve one live page for a job of runs (make bench-all LIVE=PORT)", live_hub_main},
  };
  return all;
}

}  // namespace lab
