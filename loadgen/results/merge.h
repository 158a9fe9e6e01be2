#pragma once
// loadgen merge: the shards of a distributed run into one ordinary result, exactly: counters and
// histograms add index by index (so the percentiles are the union's, never an average of
// percentiles), per-second series align by wall-clock second, errors by kind.
#include <string>
#include <vector>

#include "common/result.h"
#include "loadgen/results/thresholds.h"

namespace lab {

/// Merges the shards' results. Throws std::runtime_error naming the files when they cannot be
/// merged: a result that is not a shard, different shard counts, a shard twice, shards of
/// different runs (their run ids differ, or without ids they started further apart than the run
/// lasts), different workloads. Missing, failed or interrupted shards make the result partial
/// (ShardInfo names them). The shards' thresholds and `thresholds` are judged on the union.
Result merge_shards(const std::vector<Result>& shards, const std::vector<std::string>& command_line,
                    const std::vector<ThresholdSpec>& thresholds = {});
/// As for a run: 5 nothing succeeded, 1 partial, 6 a threshold failed, else 0.
int merge_exit_code(const Result& merged);

/// The workload fields that must agree between shards (all but the per-process ones: threads).
nlohmann::json shard_fingerprint(const nlohmann::json& workload);

}  // namespace lab
