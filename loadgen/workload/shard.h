#pragma once
// Distributed runs without a coordinator: each process is shard I of N of one workload, found
// from --shard I/N or from the launcher's environment (Kubernetes Indexed Jobs, Slurm, MPI), and
// all of them start at one wall-clock instant (--start-at). Shard I runs the users u with
// u mod N == I, each at its global spawn time and with its own seeded random stream, so the
// union of the shards is the workload one process would have run.
#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace lab {

struct ShardSpec {
  int index = 0, count = 1;
  std::string source;  // "--shard", "JOB_COMPLETION_INDEX", "SLURM_PROCID", ...
};

/// "I/N" with 0 <= I < N; nullopt with `error` set otherwise.
std::optional<ShardSpec> parse_shard(const std::string& text, std::string& error);

/// The shard from the environment, read through `getenv`: Kubernetes' JOB_COMPLETION_INDEX (the
/// count from `count_flag`, i.e. --shard-count, which it requires), Slurm's SLURM_PROCID and
/// SLURM_NTASKS, Open MPI's OMPI_COMM_WORLD_RANK and _SIZE, MPICH/PMI's PMI_RANK and PMI_SIZE.
/// nullopt without error when none is set; nullopt with `error` when one is set but unusable.
std::optional<ShardSpec> shard_from_environment(const std::function<const char*(const char*)>& getenv, int count_flag,
                                                std::string& error);

/// --start-at: RFC 3339 ("2026-11-27T09:00:00Z", "2026-11-27T10:00:00.5+01:00") or Unix
/// seconds ("1795856400", "1795856400.25").
std::optional<std::chrono::system_clock::time_point> parse_start_at(const std::string& text, std::string& error);

/// Unix seconds of a wall-clock time.
double epoch_seconds(std::chrono::system_clock::time_point t);

}  // namespace lab
