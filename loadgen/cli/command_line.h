#pragma once
// The command line's toolkit every command uses: parsing (program_options, with the mistakes
// worded alike), and the checks of numbers and output paths that name the flag and the fix.
#include <boost/program_options.hpp>
#include <string>

namespace lab {

/// Parses the command line into `vm` (store and notify), with `positional` arguments if given;
/// "" or the parser's message. Every command parses through here.
std::string parse_command_line(int argc, char** argv, const boost::program_options::options_description& d,
                               boost::program_options::variables_map& vm,
                               const boost::program_options::positional_options_description* positional = nullptr);

/// "" when `v` (given as `flag`) is a finite number in [lo, hi], else the message naming the
/// flag, the bounds and an example (NaN and infinities are refused: a limit of NaN passes every
/// check).
std::string check_number(const char* flag, double v, double lo, double hi, const char* example);

/// "" when `path` (given as `flag`) can be written, else the message naming the flag.
std::string check_output_flag(const char* flag, const std::string& path);

}  // namespace lab
