#pragma once
// The options every command that sends load shares (loadgen's run and loadgen capacity): what
// to hit and how, declared once and checked once.
#include <boost/program_options.hpp>
#include <string>
#include <vector>

#include "loadgen/cli/command_line.h"
#include "loadgen/run/settings.h"

namespace lab {

class TargetOptions {
 public:
  /// Declares -H, --path, -X, --header, --body, --scenario, --addresses, -u, --keepalive, --http2, --h2c, --streams,
  /// --h2-window, --threads, --timeout,
  /// --label, --seed,
  /// --expect-status, --max-client-lag and -q, bound to `s`.
  void add(boost::program_options::options_description& d, RunSettings& s, int default_users = 1);
  /// Checks and completes `s` after parsing; "" or the message naming the flag and the fix.
  /// (--threads is clamped to the users a process runs by its command, once it knows them.)
  std::string apply(const boost::program_options::variables_map& vm, RunSettings& s);

 private:
  std::string apply_scenario(const boost::program_options::variables_map& vm, Workload& w);
  std::string apply_data(const boost::program_options::variables_map& vm, Workload& w);
  std::string apply_http2(const boost::program_options::variables_map& vm, Workload& w);
  std::string apply_flow(const boost::program_options::variables_map& vm, Workload& w);
  std::string timeout_ = "10s", expect_status_ = "2xx", body_, addresses_ = "first", scenario_, tls_resume_ = "on";
  std::string data_, data_per_ = "request", data_order_ = "round-robin", client_io_ = "auto";
  std::vector<std::string> headers_;
  std::string max_body_ = "1MiB";
  bool http2_ = false, h2c_ = false, no_cookies_ = false;
};

}  // namespace lab
