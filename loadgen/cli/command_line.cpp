#include "loadgen/cli/command_line.h"

#include <cmath>
#include <cstdio>
#include <iostream>

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

std::optional<int> CommandLine::parse(int argc, char** argv, const po::options_description& all,
                                      const po::options_description& shown, po::variables_map& vm,
                                      const std::string& epilogue,
                                      const po::positional_options_description* positional) const {
  if (const std::string err = parse_command_line(argc, argv, all, vm, positional); !err.empty()) return usage(err);
  if (vm.count("help")) {
    std::cout << shown << (epilogue.empty() ? "" : "\n") << epilogue;
    return 0;
  }
  return std::nullopt;
}

int CommandLine::usage(const std::string& what) const {
  std::cerr << prefix() << ": " << what << "\n(see " << prefix() << " --help)\n";
  return 2;
}

int CommandLine::error(const std::string& what, int code) const {
  std::cerr << prefix() << ": " << what << "\n";
  return code;
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
