// loadgen capacity-report DIR: the answer table (DIR/summary.md) and DIR/report.html for a
// folder of capacity documents.
#include <cstdio>

#include "loadgen/capacity/report.h"
#include "loadgen/cli/commands.h"
#include "loadgen/cli/folder_command.h"

namespace lab {

int capacity_report_main(int argc, char** argv) {
  int code = 0;
  const auto dir =
      one_positional(argc, argv, "capacity-report", "DIR",
                     "writes DIR/summary.md and DIR/report.html from the capacity documents under DIR", code);
  if (!dir) return code;
  try {
    std::fputs(write_capacity_report(*dir).c_str(), stdout);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "loadgen capacity-report: %s\n", e.what());
    return 2;
  }
  return 0;
}

}  // namespace lab
