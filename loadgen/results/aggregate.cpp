#include "loadgen/results/aggregate.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>

#include "common/output_file.h"
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

}  // namespace lab
