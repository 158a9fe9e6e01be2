// loadgen: run a load test (default), or work on result files: compare, summary, report.
#include <cstdio>
#include <cstring>
#include <iostream>

#include "common/result_json.h"
#include "loadgen/compare.h"
#include "loadgen/csv_writer.h"
#include "loadgen/engine.h"
#include "loadgen/options.h"
#include "loadgen/report.h"
#include "loadgen/summary.h"

int main(int argc, char** argv) {
  using namespace lab;
  if (argc >= 2 && std::strcmp(argv[1], "compare") == 0) return compare_main(argc - 1, argv + 1);
  if (argc >= 2 && std::strcmp(argv[1], "summary") == 0) return summary_main(argc - 1, argv + 1);
  if (argc >= 2 && std::strcmp(argv[1], "report") == 0) return report_main(argc - 1, argv + 1);

  int code = 0;
  auto cmd = parse_run_options(argc, argv, code);
  if (!cmd) return code;
  RunResult r = run_load(cmd->settings);
  if (!r.preflight_error.empty()) {
    std::fprintf(stderr, "loadgen: cannot start: %s\n", r.preflight_error.c_str());
    return 3;
  }
  if (!cmd->settings.quiet) print_summary_table(r.doc, stdout);
  try {
    if (!cmd->json_path.empty()) write_json_file(cmd->json_path, r.doc);
    if (!cmd->csv_prefix.empty()) write_locust_csv(r.doc, cmd->csv_prefix);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "loadgen: %s\n", e.what());
    return 4;
  }
  if (r.interrupted) return 130;
  if (cmd->fail_on_errors && r.doc["summary"]["failures"].get<std::uint64_t>() > 0) return 1;
  return 0;
}
