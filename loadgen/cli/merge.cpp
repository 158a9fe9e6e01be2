// loadgen merge SHARD.json... --json MERGED.json: the shards of one distributed run, exactly.
#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>

#include "common/format.h"
#include "common/output_file.h"
#include "loadgen/cli/commands.h"
#include "loadgen/cli/command_line.h"
#include "loadgen/output/locust_csv.h"
#include "loadgen/results/hdr_log.h"
#include "loadgen/results/merge.h"
#include "loadgen/results/result_set.h"
#include "loadgen/results/thresholds.h"

namespace lab {

namespace {

const char kMergeExitCodes[] =
    "exit codes (as for a run):\n"
    "  0  merged: every shard complete, every threshold held\n"
    "  1  merged, but partial: shards missing, failed or interrupted (named)\n"
    "  2  usage, or the files cannot be merged (not shards, a shard twice, different runs or workloads)\n"
    "  4  the output could not be written\n"
    "  5  no request succeeded in any shard\n"
    "  6  a threshold did not hold on the merged data\n";

// Interval logs of one run's shards begin within this much of each other.
constexpr double kLogStartWindowS = 1.0;

// An interval log knows no shard: the logs given are the shards of one run, in their order.
// Its lines say when it started: the shards of one run start together (within a second, their
// first interval), and how far apart they did is the merge's start skew. "" or why they are not
// one run's.
std::string logs_as_shards(std::vector<Result>& shards, const std::vector<std::string>& files) {
  double first_start = 0;
  std::string first_log;
  for (std::size_t i = 0; i < shards.size(); ++i)
    if (from_hlog(shards[i]) && !shards[i].shard) {
      const double start = environment_view(shards[i].environment).start_epoch_s;
      if (first_log.empty() || start < first_start) first_start = start, first_log = files[i];
    }
  for (std::size_t i = 0; i < shards.size(); ++i)
    if (from_hlog(shards[i]) && !shards[i].shard) {
      ShardInfo sh;
      sh.index = static_cast<int>(i);
      sh.count = static_cast<int>(shards.size());
      sh.start_epoch_s = environment_view(shards[i].environment).start_epoch_s;
      const double apart = sh.start_epoch_s - first_start;
      if (apart > kLogStartWindowS)
        return files[i] + " started " + fixed(apart, "%.1f") + " s after " + first_log +
               " (their first intervals): logs are merged as the shards of one run, which start within " +
               fixed(kLogStartWindowS, "%.0f") + " s; these are different runs";
      sh.start_skew_ms = apart * 1000;
      shards[i].shard = sh;
    }
  return {};
}

// The merged run in a line, and what kept it partial or failed.
void say_what_was_merged(const Result& merged) {
  const ShardInfo& sh = *merged.shard;
  if (merged.summary)
    std::fprintf(stderr,
                 "loadgen merge: %zu of %d shards, %llu requests, %llu failures, p99 %s ms, start skew %.1f ms\n",
                 sh.merged.size(), sh.count, static_cast<unsigned long long>(merged.summary->requests),
                 static_cast<unsigned long long>(merged.summary->failures),
                 merged.summary->latency.p(99) ? std::to_string(*merged.summary->latency.p(99)).c_str() : "-",
                 sh.start_skew_ms.value_or(0));
  if (sh.partial()) {
    std::string what;
    auto add = [&](const std::vector<int>& v, const char* how) {
      for (int i : v) what += (what.empty() ? "" : ", ") + std::string("shard ") + std::to_string(i) + " " + how;
    };
    add(sh.missing, "missing");
    add(sh.failed, "failed");
    add(sh.incomplete, "interrupted");
    std::fprintf(stderr, "loadgen merge: PARTIAL: %s\n", what.c_str());
  }
  for (const auto& t : merged.thresholds)
    if (!t.held)
      std::fprintf(stderr, "loadgen merge: threshold %s FAILED (measured %s)\n", t.expr.c_str(),
                   t.actual ? std::to_string(*t.actual).c_str() : "nothing");
  if (merged.status != "ok") std::fprintf(stderr, "loadgen merge: %s\n", merged.error.c_str());
}

}  // namespace

int merge_main(int argc, char** argv) {
  namespace po = boost::program_options;
  std::vector<std::string> files, threshold_args;
  std::string json_path, csv_prefix;
  po::options_description desc(
      "loadgen merge: the shards of one distributed run (loadgen --shard I/N) into one result, exactly\n\n"
      "usage: loadgen merge SHARD.json... --json MERGED.json [--csv PREFIX] [--threshold EXPR]...\n"
      "A shard may be an HdrHistogram interval log (.hlog): logs are taken as the shards of one run, in order.\n\n"
      "options");
  desc.add_options()("help,h", "show this help")("json", po::value<std::string>(&json_path), "the merged result")(
      "csv", po::value<std::string>(&csv_prefix), "also the Locust CSVs")(
      "threshold", po::value<std::vector<std::string>>(&threshold_args),
      "judged on the merged data (as loadgen's; the shards' own are judged again too)");
  po::options_description all;
  all.add(desc).add_options()("shard", po::value<std::vector<std::string>>(&files));
  po::positional_options_description pos;
  pos.add("shard", -1);
  po::variables_map vm;
  const CommandLine cl("merge");
  auto usage = [&cl](const std::string& msg) { return cl.usage(msg); };
  if (auto done = cl.parse(argc, argv, all, desc, vm, kMergeExitCodes, &pos)) return *done;
  if (files.empty()) return usage("give the shards' result files");
  if (json_path.empty()) return usage("--json MERGED.json is required");
  if (const std::string why = output_problem(json_path); !why.empty()) return usage("--json: " + why);
  std::vector<ThresholdSpec> thresholds;
  for (const auto& t : threshold_args) {
    std::string err;
    auto spec = parse_threshold(t, err);
    if (!spec) return usage("--threshold: " + err);
    thresholds.push_back(*spec);
  }
  std::vector<std::string> command_line = {"loadgen"};
  for (int i = 0; i < argc; ++i) command_line.push_back(argv[i]);
  Result merged;
  try {
    std::vector<Result> shards;
    for (const auto& f : files) shards.push_back(load_result(f));
    if (std::string why = logs_as_shards(shards, files); !why.empty()) return usage(why);
    merged = merge_shards(shards, command_line, thresholds);
  } catch (const std::exception& e) {
    return cl.error(e.what(), 2);
  }
  try {
    write_json_output(json_path, to_json(merged));
    if (!csv_prefix.empty() && merged.has_summary()) write_locust_csv(merged, csv_prefix);
  } catch (const std::exception& e) {
    return cl.error(e.what(), 4);
  }
  say_what_was_merged(merged);
  return merge_exit_code(merged);
}

}  // namespace lab
