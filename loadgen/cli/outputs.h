#pragma once
// The table of a run's outputs by name (--out NAME=ARG), as commands.* is the table of commands:
// adding an output is its file in loadgen/outputs/ and one line in outputs.cpp. --json, --csv,
// --hlog and --live are shorthands for --out json=, csv=, hlog=, live= (the live view's other
// flags, --live-control and the rest, go with either).
#include <memory>
#include <string>
#include <vector>

#include "loadgen/outputs/push_options.h"
#include "loadgen/outputs/pusher.h"
#include "loadgen/workload/workload.h"

namespace lab {

/// What --out (and its shorthands) asked for.
struct OutChoice {
  std::string json_path, csv_prefix, hlog_path;  // the files at the end
  std::string live;                              // --out live=[ADDR:]PORT (as --live)
  std::vector<PushOptions> pushes;               // the pushers
  bool required = false;                         // --out-required
};

struct OutputKind {
  const char* name;  // before the '='
  const char* arg;   // what follows it, for the help
  const char* help;
  bool pushes;  // sends while the run goes (else a file at its end)
  /// Checks ARG and records it; "" or the error.
  std::string (*apply)(const std::string& arg, OutChoice& out);
};

/// Every output, in the order the help lists them.
const std::vector<OutputKind>& output_kinds();

/// --out NAME=ARG: "" or the error, naming the flag and the fix; `files`: whether the command
/// writes files at the end (loadgen capacity writes its own document: pushing outputs only).
std::string apply_out(const std::string& spec, OutChoice& out, bool files = true);

/// The pushes' labels from the workload: a shard's testid is its distributed run's (--run-id), and
/// its series carry `shard`.
void label_pushes(OutChoice& out, const Workload& w);

/// The help text of --out: each output's NAME=ARG and what it does.
std::string out_help(bool files = true);

/// "loadgen: --out prometheus=URL: pushed 31 of 31 second(s) in 31 request(s)" on stderr.
void say_report(const Pusher& p);

/// The pusher for options a table entry recorded.
std::unique_ptr<Pusher> make_pusher(const PushOptions& o, bool required);

}  // namespace lab
