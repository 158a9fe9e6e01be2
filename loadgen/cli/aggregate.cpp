// loadgen aggregate RUN_DIR: folds RUN_DIR/repeats/*.json into one result (and Locust CSVs) per
// model, each named after its label as a safe file name.
#include <algorithm>
#include <cstdio>
#include <map>

#include "common/output_file.h"
#include "loadgen/cli/commands.h"
#include "loadgen/cli/folder_command.h"
#include "loadgen/output/locust_csv.h"
#include "loadgen/results/aggregate.h"
#include "loadgen/results/result_set.h"

namespace lab {

int aggregate_main(int argc, char** argv) {
  int code = 0;
  const auto dir = one_positional(argc, argv, "aggregate", "RUN_DIR",
                                  "folds RUN_DIR/repeats/*.json into RUN_DIR/<model>.json and its CSVs", code);
  if (!dir) return code;
  try {
    std::map<std::string, std::vector<Result>> by_model;
    for (auto& r : load_result_set(*dir + "/repeats")) by_model[r.name()].push_back(std::move(r));
    for (auto& [model, reps] : by_model) {
      std::sort(reps.begin(), reps.end(), [](const Result& a, const Result& b) { return a.path < b.path; });
      const Result agg = aggregate_repeats(reps);
      const std::string base = *dir + "/" + safe_file_name(model);  // a label never leaves the folder
      write_json_output(base + ".json", to_json(agg));
      if (agg.has_summary()) write_locust_csv(agg, base);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "loadgen aggregate: %s\n", e.what());
    return 2;
  }
  return 0;
}

}  // namespace lab
