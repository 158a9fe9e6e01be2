#pragma once
// The result schema (v1) shared by loadgen (writer, compare, report) and the tests.
// Documented field by field in docs/results.md.
#include <string>

#include <nlohmann/json.hpp>

namespace lab {

inline constexpr const char* kResultSchema = "loadlab.result";
inline constexpr int kResultSchemaVersion = 1;

/// {"name", "version", "git_sha"} of this build.
nlohmann::json tool_info(const char* name);
/// CPUs, kernel, fd limits, hostname, somaxconn, ephemeral port range.
nlohmann::json environment_info();
/// Current UTC time as 2026-11-26T15:13:15Z.
std::string utc_timestamp();

/// Writes JSON to `path` atomically (temporary file + rename). Throws std::runtime_error.
void write_json_file(const std::string& path, const nlohmann::json& j, int indent = 1);
/// Reads and parses; throws std::runtime_error naming the file and what is wrong.
nlohmann::json read_json_file(const std::string& path);
/// Checks a result document's required fields; throws std::runtime_error naming file and field.
void validate_result(const nlohmann::json& j, const std::string& path);
/// The workload without the fields that legitimately differ between runs (host, port).
nlohmann::json comparable_workload(const nlohmann::json& workload);

}  // namespace lab
