#pragma once
// What a result records about where it was made: the tool, the machine, the time.
#include <ctime>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace lab {

/// {"name", "version", "git_sha"} of this build.
nlohmann::json tool_info(const char* name);
/// CPUs, affinity, kernel, CPU model, fd limits, hostname, somaxconn, ephemeral port range,
/// calibration.
nlohmann::json environment_info();
/// The machine's costs a result was made beside: the medians of the calibration document
/// LOADGEN_CALIBRATION names (make bench-all and make capacity set it), null when unset, and
/// {"file", "error"} when it cannot be read. `here`: this machine's environment; a calibration
/// made on another machine says so ("other_host": what differs).
nlohmann::json calibration_info(const nlohmann::json& here);
/// The CPU's model name (/proc/cpuinfo), "" when it names none.
std::string cpu_model();
/// A UTC time (default: now) as 2026-11-26T15:13:15Z.
std::string utc_timestamp(std::time_t t = std::time(nullptr));
/// Back: the Unix seconds of such a timestamp; nullopt when it is not one.
std::optional<std::time_t> parse_utc_timestamp(const std::string& text);

}  // namespace lab
