#pragma once
// The command line's toolkit every command uses: parsing (program_options, with the mistakes
// worded alike), and the checks of numbers and output paths that name the flag and the fix.
#include <boost/program_options.hpp>
#include <optional>
#include <string>

namespace lab {

/// Parses the command line into `vm` (store and notify), with `positional` arguments if given;
/// "" or the parser's message. Every command parses through here.
std::string parse_command_line(int argc, char** argv, const boost::program_options::options_description& d,
                               boost::program_options::variables_map& vm,
                               const boost::program_options::positional_options_description* positional = nullptr);

/// One command's prologue and mistakes, worded alike in every command: a mistake is printed as
/// "loadgen NAME: what" and "(see loadgen NAME --help)", exit 2; --help prints the options and
/// the epilogue (the exit codes), exit 0.
class CommandLine {
 public:
  /// `name`: the command as typed ("" for the run, loadgen's default command).
  explicit CommandLine(std::string name) : name_(std::move(name)) {}
  /// Parses into `vm` every option of `all` (hidden positionals included); --help shows `shown`.
  /// The exit code when the command is done here (0 after --help, 2 after a mistake), else
  /// nullopt: go on.
  std::optional<int> parse(int argc, char** argv, const boost::program_options::options_description& all,
                           const boost::program_options::options_description& shown,
                           boost::program_options::variables_map& vm, const std::string& epilogue = {},
                           const boost::program_options::positional_options_description* positional = nullptr) const;
  /// As parse, where every option is shown.
  std::optional<int> parse(int argc, char** argv, const boost::program_options::options_description& all,
                           boost::program_options::variables_map& vm, const std::string& epilogue = {},
                           const boost::program_options::positional_options_description* positional = nullptr) const {
    return parse(argc, argv, all, all, vm, epilogue, positional);
  }
  /// A mistake found after parsing: printed as above; returns 2.
  int usage(const std::string& what) const;
  /// A failure that is not a usage mistake (a file that cannot be read): "loadgen NAME: what";
  /// returns `code`.
  int error(const std::string& what, int code) const;

 private:
  std::string prefix() const { return name_.empty() ? "loadgen" : "loadgen " + name_; }
  std::string name_;
};

/// "" when `v` (given as `flag`) is a finite number in [lo, hi], else the message naming the
/// flag, the bounds and an example (NaN and infinities are refused: a limit of NaN passes every
/// check).
std::string check_number(const char* flag, double v, double lo, double hi, const char* example);

/// "" when `path` (given as `flag`) can be written, else the message naming the flag.
std::string check_output_flag(const char* flag, const std::string& path);

}  // namespace lab
