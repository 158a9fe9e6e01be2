// loadgen har2scenario FILE.har: a browser's recording as a sequence scenario (workload/har.h),
// written to standard output or --out; what was left out and the correlation candidates on
// standard error.
#include <boost/program_options.hpp>
#include <cstdio>

#include "common/output_file.h"
#include "loadgen/cli/command_line.h"
#include "loadgen/cli/commands.h"
#include "loadgen/workload/har.h"

namespace lab {

int har2scenario_main(int argc, char** argv) {
  namespace po = boost::program_options;
  std::string input, out = "-";
  HarOptions o;
  po::options_description desc(
      "loadgen har2scenario: a browser's recording (HAR 1.2) as a scenario\n\n"
      "usage: loadgen har2scenario FILE.har [--include-host H] [--exclude REGEX] [--correlate] > flow.json\n"
      "then:  loadgen -H http://HOST --scenario flow.json ...\n\noptions");
  desc.add_options()("help,h", "show this help")(
      "include-host", po::value<std::vector<std::string>>(&o.include_hosts)->composing(),
      "keep this host's requests (repeatable; default: the first request's host)")(
      "exclude", po::value<std::vector<std::string>>(&o.exclude)->composing(),
      "leave out requests whose URL matches this regex (Perl's dialect; repeatable)")(
      "keep-static", po::bool_switch(&o.keep_static), "keep images, scripts, styles and fonts (left out by default)")(
      "correlate", po::bool_switch(&o.correlate),
      "apply the correlation candidates: extract each value from the response that gave it, send {{name}} after")(
      "out,o", po::value<std::string>(&out)->default_value("-"), "write the scenario here (- for standard output)");
  po::options_description all;
  all.add(desc).add_options()("input", po::value<std::string>(&input));
  po::positional_options_description pos;
  pos.add("input", 1);
  po::variables_map vm;
  const CommandLine cl("har2scenario");
  if (auto done = cl.parse(argc, argv, all, desc, vm,
                           "exit codes: 0 written, 2 usage or a file that is not a HAR, 4 the output could not be "
                           "written\n",
                           &pos))
    return *done;
  if (input.empty()) return cl.usage("give the HAR file to convert (devtools' Network tab: \"Save all as HAR\")");
  if (out != "-")
    if (const std::string why = output_problem(out); !why.empty()) return cl.usage("--out: " + why);
  std::string text, why;
  if (!read_file(input, text, why)) return cl.error("cannot read '" + input + "': " + why, 2);
  std::string err;
  const auto s = har_to_scenario(text, o, err);
  if (!s) return cl.error(input + ": " + err, 2);
  try {
    write_output(out, json_text(s->scenario, 2) + "\n");
  } catch (const std::exception& e) {
    return cl.error(std::string("--out: ") + e.what(), 4);
  }
  std::fprintf(stderr, "har2scenario: %zu of %zu entries as requests", s->kept, s->entries);
  for (const auto& l : s->left_out) std::fprintf(stderr, "; left out %s", l.c_str());
  std::fprintf(stderr, "\n");
  for (const auto& c : s->candidates) {
    std::string used;
    for (const auto& u : c.used_by) used += (used.empty() ? "" : ", ") + u;
    std::fprintf(stderr, "har2scenario: %s {{%s}}: '%s' extracts %s; sent by %s\n",
                 o.correlate ? "applied" : "candidate", c.variable.c_str(), c.from.c_str(), c.extract.c_str(),
                 used.c_str());
  }
  if (!s->candidates.empty() && !o.correlate)
    std::fprintf(stderr,
                 "har2scenario: --correlate applies the candidates (review them: a value may match by chance)\n");
  return 0;
}

}  // namespace lab
