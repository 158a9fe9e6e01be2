#include "loadgen/cli/command_line.h"

#include <cmath>
#include <cstdio>

#include "common/output_file.h"

namespace po = boost::program_options;

namespace lab {

std::string parse_command_line(int argc, char** argv, const po::options_description& d, po::variables_map& vm,
                               const po::positional_options_description* positional) {
  try {
    po::command_line_parser parser(argc, argv);
    parser.options(d);
    if (positional) parser.positional(*positional);
    po::store(parser.run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return e.what();
  }
  return {};
}

std::string check_number(const char* flag, double v, double lo, double hi, const char* example) {
  if (std::isfinite(v) && v >= lo && v <= hi) return {};
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s: '%g' is not a number from %g to %g (e.g. %s %s)", flag, v, lo, hi, flag, example);
  return buf;
}

std::string check_output_flag(const char* flag, const std::string& path) {
  const std::string why = output_problem(path);
  return why.empty() ? std::string() : std::string(flag) + ": " + why;
}

}  // namespace lab
