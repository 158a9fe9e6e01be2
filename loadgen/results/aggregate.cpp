#include "loadgen/results/aggregate.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>

#include "common/output_file.h"
#include "loadgen/output/locust_csv.h"
#include "loadgen/results/noise.h"
#include "loadgen/results/result_set.h"

namespace lab {

Result aggregate_repeats(std::vector<Result> repeats) {
  std::vector<std::string> files;
  for (const auto& r : repeats) files.push_back(std::filesystem::path(r.path).filename().string());
  for (std::size_t i = 0; i < repeats.size(); ++i) {
    if (repeats[i].ok()) continue;
    Result failed = repeats[i];
    failed.error = "repeat " + std::to_string(i + 1) + " of " + std::to_string(repeats.size()) + ": " + failed.error;
    failed.repeats = Repeats{files, {}};
    return failed;
  }
  std::vector<std::size_t> order(repeats.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return single_value(repeats[a], Metric::kRps).value_or(0) < single_value(repeats[b], Metric::kRps).value_or(0);
  });
  Result out = repeats[order[(order.size() - 1) / 2]];
  Repeats rep;
  rep.files = files;
  for (const auto& m : all_metrics()) {
    RepeatStat st;
    for (const auto& r : repeats)
      if (const OptDouble v = single_value(r, m.metric)) st.values.push_back(*v);
    if (st.values.empty()) continue;
    std::vector<double> sorted = st.values;
    std::sort(sorted.begin(), sorted.end());
    const std::size_t n = sorted.size();
    st.median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    st.min = sorted.front();
    st.max = sorted.back();
    rep.metrics[m.key] = st;
  }
  out.repeats = rep;
  return out;
}

int aggregate_main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr,
                 "usage: loadgen aggregate RUN_DIR   (folds RUN_DIR/repeats/*.json into RUN_DIR/<model>.json)\n");
    return 2;
  }
  const std::string dir = argv[1];
  try {
    std::map<std::string, std::vector<Result>> by_model;
    for (auto& r : load_result_set(dir + "/repeats")) by_model[r.name()].push_back(std::move(r));
    for (auto& [model, reps] : by_model) {
      std::sort(reps.begin(), reps.end(), [](const Result& a, const Result& b) { return a.path < b.path; });
      const Result agg = aggregate_repeats(reps);
      const std::string base = dir + "/" + safe_file_name(model);  // a label never leaves the folder
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
