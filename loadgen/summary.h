#pragma once
// The side-by-side table of a run folder, as the original study's (plus percentiles and
// failures), ranked by requests/s and by average latency; printed and written to summary.md.
#include <string>
#include <vector>

#include "loadgen/result_set.h"

namespace lab {

std::string summary_markdown(const std::vector<LoadedResult>& rs);
/// loadgen summary RUN_DIR: prints the table, writes RUN_DIR/summary.md. 0, or 2 on bad input.
int summary_main(int argc, char** argv);

}  // namespace lab
