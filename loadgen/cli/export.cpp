// loadgen export RESULT --hgrm FILE | --hlog FILE: a result in HdrHistogram's formats, for the
// tools that read them (wrk2's --latency text, the HdrHistogram plotter, Vegeta's hdrplot,
// HistogramLogReader, hdr-histogram-js).
#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>

#include "common/output_file.h"
#include "loadgen/cli/commands.h"
#include "loadgen/cli/command_line.h"
#include "loadgen/output/hgrm.h"
#include "loadgen/results/hdr_log.h"
#include "loadgen/results/result_set.h"

namespace lab {

int export_main(int argc, char** argv) {
  namespace po = boost::program_options;
  std::string input, hgrm, hlog, name;
  po::options_description desc(
      "loadgen export: a result's latency in HdrHistogram's formats\n\n"
      "usage: loadgen export RESULT.json --hgrm FILE [--name NAME]   the percentile distribution (- for stdout)\n"
      "       loadgen export RESULT.json --hlog FILE                 the interval log, a line per second and name\n"
      "RESULT may be a result document or an interval log.\n\noptions");
  desc.add_options()("help,h", "show this help")("hgrm", po::value<std::string>(&hgrm),
                                                 "write the percentile distribution of the successes here")(
      "hlog", po::value<std::string>(&hlog), "write the HdrHistogram interval log (v1.3) here")(
      "name", po::value<std::string>(&name), "--hgrm: one request name's successes instead of the run's");
  po::options_description all;
  all.add(desc).add_options()("input", po::value<std::string>(&input));
  po::positional_options_description pos;
  pos.add("input", 1);
  po::variables_map vm;
  const CommandLine cl("export");
  auto usage = [&cl](const std::string& msg) { return cl.usage(msg); };
  if (auto done =
          cl.parse(argc, argv, all, desc, vm,
                   "exit codes: 0 written, 2 usage or an unreadable result, 4 the output could not be written\n", &pos))
    return *done;
  if (input.empty()) return usage("give the result file to export");
  if (hgrm.empty() == hlog.empty()) return usage("give one of --hgrm FILE or --hlog FILE");
  if (!name.empty() && hgrm.empty()) return usage("--name goes with --hgrm (the interval log holds every name)");
  for (const auto& [flag, path] : {std::pair{"--hgrm", hgrm}, std::pair{"--hlog", hlog}})
    if (!path.empty())
      if (const std::string why = output_problem(path); !why.empty()) return usage(std::string(flag) + ": " + why);
  Result r;
  try {
    r = load_result(input);
  } catch (const std::exception& e) {
    return cl.error(e.what(), 2);
  }
  if (!r.has_summary() || !r.histogram) return usage(input + " has no latency to export (the run did not start)");
  std::string text;
  if (!hgrm.empty()) {
    const Histogram* h = &*r.histogram;
    if (!name.empty()) {
      h = nullptr;
      std::string names;
      for (const auto& e : r.endpoints) {
        if (e.name == name) h = &e.histogram;
        names += (names.empty() ? "" : ", ") + e.name;
      }
      if (!h)
        return usage("--name: '" + name + "' is not a request name of " + input +
                     (names.empty() ? " (it has none: not a scenario run)" : " (its names: " + names + ")"));
    }
    text = hgrm_text(*h);
  } else {
    text = hlog_text(r);
  }
  try {
    write_output(hgrm.empty() ? hlog : hgrm, text);
  } catch (const std::exception& e) {
    return cl.error(e.what(), 4);
  }
  return 0;
}

}  // namespace lab
