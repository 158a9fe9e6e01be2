// loadgen compare BASE CUR: model by model, a regression only beyond its limit and the noise.
#include <boost/program_options.hpp>
#include <iostream>

#include "loadgen/cli/commands.h"
#include "loadgen/cli/command_line.h"
#include "loadgen/output/comparison.h"
#include "loadgen/results/compare.h"
#include "loadgen/results/result_set.h"

namespace po = boost::program_options;

namespace lab {

int compare_main(int argc, char** argv) {
  CompareLimits t;
  std::string format = "text";
  std::vector<std::string> paths;
  po::options_description desc(
      "usage: loadgen compare BASE CUR [options]\n"
      "BASE and CUR are run folders or single result files.\n"
      "exit: 0 no regression, 1 regression, 2 unreadable or incomparable input,\n"
      "      3 no regression but a pair was inconclusive (a client-bound run)\n\noptions");
  desc.add_options()("help,h", "show this help")("format", po::value<std::string>(&format)->default_value("text"),
                                                 "text, markdown or json")(
      "max-rps-drop", po::value<double>(&t.max_rps_drop_pct)->default_value(10), "percent requests/s may fall")(
      "max-p95-rise", po::value<double>(&t.max_p95_rise_pct)->default_value(20), "percent p95 may rise")(
      "min-latency-delta", po::value<double>(&t.min_latency_delta_ms)->default_value(1.0),
      "ms a p95 rise must also exceed")(
      "max-failure-rise", po::value<double>(&t.max_failure_rise_pts)->default_value(0.1),
      "failure-rate points it may rise")("force", "compare even if workloads or schema versions differ")(
      "paths", po::value<std::vector<std::string>>(&paths), "BASE CUR");
  po::positional_options_description pos;
  pos.add("paths", 2);
  po::variables_map vm;
  const CommandLine cl("compare");
  if (auto done = cl.parse(argc, argv, desc, vm, {}, &pos)) return *done;
  if (paths.size() != 2) return cl.usage("needs BASE and CUR (run folders or result files)");
  if (format != "text" && format != "markdown" && format != "json")
    return cl.usage("--format: '" + format + "' is unknown (use text, markdown or json)");
  try {
    auto base = load_result_set(paths[0]);
    auto cur = load_result_set(paths[1]);
    order_results(base);
    auto ds = compare_sets(base, cur, t, vm.count("force") > 0);
    std::cout << format_comparison(ds, format, t);
    bool unsure = false;
    for (const auto& d : ds) {
      if (d.regressed) return 1;
      unsure = unsure || d.inconclusive;
    }
    return unsure ? 3 : 0;
  } catch (const std::exception& e) {
    return cl.error(e.what(), 2);
  }
}

}  // namespace lab
