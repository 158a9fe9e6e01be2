// loadgen: run a load test (default), or work on result files: compare, summary, report.
#include <cstdio>
#include <cstring>

#include "common/output_file.h"
#include "loadgen/results/aggregate.h"
#include "loadgen/capacity/capacity.h"
#include "loadgen/capacity/report.h"
#include "loadgen/results/compare.h"
#include "loadgen/run/console.h"
#include "loadgen/output/locust_csv.h"
#include "loadgen/run/engine.h"
#include "loadgen/cli/run.h"
#include "loadgen/results/merge.h"
#include "loadgen/output/report.h"
#include "loadgen/output/summary.h"

int main(int argc, char** argv) {
  using namespace lab;
  if (argc >= 2 && std::strcmp(argv[1], "compare") == 0) return compare_main(argc - 1, argv + 1);
  if (argc >= 2 && std::strcmp(argv[1], "summary") == 0) return summary_main(argc - 1, argv + 1);
  if (argc >= 2 && std::strcmp(argv[1], "report") == 0) return report_main(argc - 1, argv + 1);
  if (argc >= 2 && std::strcmp(argv[1], "merge") == 0) return merge_main(argc - 1, argv + 1);
  if (argc >= 2 && std::strcmp(argv[1], "aggregate") == 0) return aggregate_main(argc - 1, argv + 1);
  if (argc >= 2 && std::strcmp(argv[1], "capacity") == 0) return capacity_main(argc - 1, argv + 1);
  if (argc >= 2 && std::strcmp(argv[1], "capacity-report") == 0) return capacity_report_main(argc - 1, argv + 1);

  int code = 0;
  auto cmd = parse_run_options(argc, argv, code);
  if (!cmd) return code;
  RunResult r = run_load(cmd->settings);
  if (!r.preflight_error.empty()) {
    std::fprintf(stderr, "loadgen: cannot start: %s\n", r.preflight_error.c_str());
    return 3;
  }
  // With --json - (or /dev/stdout, /dev/fd/1) the document owns standard output; the table goes
  // to stderr.
  const bool json_on_stdout = cmd->json_path == "-" || named_descriptor(cmd->json_path) == 1;
  if (!cmd->settings.quiet) print_run_table(r.result, json_on_stdout ? stderr : stdout);
  if (r.result.status != "ok") std::fprintf(stderr, "loadgen: %s\n", r.result.error.c_str());
  try {
    if (!cmd->json_path.empty()) write_json_output(cmd->json_path, to_json(r.result));
    if (!cmd->csv_prefix.empty()) write_locust_csv(r.result, cmd->csv_prefix);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "loadgen: %s\n", e.what());
    return 4;
  }
  return exit_code(r, cmd->fail_on_errors);
}
