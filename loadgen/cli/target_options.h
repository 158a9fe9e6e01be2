#pragma once
// The options every command that sends load shares (loadgen's run and loadgen capacity): what
// to hit and how, declared once and checked once.
#include <boost/program_options.hpp>
#include <string>
#include <vector>

#include "loadgen/run/engine.h"

namespace lab {

class TargetOptions {
 public:
  /// Declares -H, --path, -X, --header, --body, --scenario, --addresses, -u, --keepalive, --threads, --timeout,
  /// --label, --seed,
  /// --expect-status, --max-client-lag and -q, bound to `s`.
  void add(boost::program_options::options_description& d, RunSettings& s, int default_users = 1);
  /// Checks and completes `s` after parsing; "" or the message naming the flag and the fix.
  /// (--threads is clamped to the users a process runs by its command, once it knows them.)
  std::string apply(const boost::program_options::variables_map& vm, RunSettings& s);

 private:
  std::string apply_scenario(const boost::program_options::variables_map& vm, Workload& w);
  std::string apply_data(const boost::program_options::variables_map& vm, Workload& w);
  std::string timeout_ = "10s", expect_status_ = "2xx", body_, addresses_ = "first", scenario_, tls_resume_ = "on";
  std::string data_, data_per_ = "request", data_order_ = "round-robin", client_io_ = "auto";
  std::vector<std::string> headers_;
};

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
