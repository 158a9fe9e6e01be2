#pragma once
// loadgen's commands, one file each in this folder: flags, usage, exit codes, and one call into
// the library. main() dispatches from the table and help lists it; adding a command is one file
// here and one line in commands.cpp.
#include <vector>

namespace lab {

struct Command {
  const char* name;                    // the word after loadgen ("run" is also the default)
  const char* synopsis;                // one line for the list
  int (*main)(int argc, char** argv);  // argv[0] is the command's name
};

/// Every command, in the order help lists them.
const std::vector<Command>& commands();

int run_main(int argc, char** argv);
int capacity_main(int argc, char** argv);
int merge_main(int argc, char** argv);
int compare_main(int argc, char** argv);
int summary_main(int argc, char** argv);
int report_main(int argc, char** argv);
int aggregate_main(int argc, char** argv);
int capacity_report_main(int argc, char** argv);
int live_hub_main(int argc, char** argv);
int export_main(int argc, char** argv);
int har2scenario_main(int argc, char** argv);

}  // namespace lab
