#pragma once
// server --calibrate: measures the machine's own costs (server/calibrate/probes.h) on the CPUs
// this process may use (make calibrate pins it to the server's), prints them as a table and
// writes the calibration document (common/calibration.h) when asked.
#include <string>

namespace lab {

/// Runs every probe; prints the table to stdout; writes `json_path` unless empty. The exit code:
/// 0, 1 when a probe could not run (the others are still written), 2 when the file cannot be.
int run_calibration(const std::string& json_path);

}  // namespace lab
