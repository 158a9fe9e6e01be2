#pragma once
// The machine's own costs (server --calibrate, make calibrate): the document's schema
// ("loadlab.calibration", version 1; docs/results.md), written by the server and read by loadgen
// (predictions beside the capacity table, the environment of every result).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lab {

struct Cost {
  std::string what;               // what one operation is
  double median_us = 0;           // over the batches
  double p10_us = 0, p90_us = 0;  // the spread over the batches
  std::size_t samples = 0;        // batches
  std::size_t per_sample = 0;     // operations per batch
};

struct Calibration {
  std::string created;                             // UTC, RFC 3339
  std::string path;                                // the file it was read from (not written)
  nlohmann::json host = nlohmann::json::object();  // kernel, cpu_model, cpus_online, affinity, fd_limit, ...
  double loop_iterations_per_us = 0;
  std::map<std::string, Cost> costs;          // by probe name (fork_exit_wait, poll_1000, ...)
  std::map<std::string, std::string> errors;  // probes that could not run here, and why

  /// The median of a cost in microseconds, if it was measured.
  std::optional<double> us(const std::string& name) const;
};

/// Median, 10th and 90th percentiles of the per-operation times of a probe's batches.
Cost summarize(const std::string& what, std::vector<double> us, std::size_t per_sample);

nlohmann::json to_json(const Calibration& c);
/// Throws std::runtime_error naming the field when the document is not a calibration.
Calibration calibration_from_json(const nlohmann::json& j, const std::string& path);
/// Reads a file; throws std::runtime_error naming the file and the problem. Every cost's median
/// is a positive time (a calibration of zeroes predicted an infinite rate).
Calibration read_calibration(const std::string& path);

/// "" when the calibration was made on the machine an environment describes (a result's
/// `environment`, environment_info()), else what differs ("kernel Linux 6.1 there, Linux 6.18
/// here; ..."): its hostname, kernel, CPU model and CPUs, each compared where both name it.
std::string calibration_host_mismatch(const Calibration& c, const nlohmann::json& env);

}  // namespace lab
