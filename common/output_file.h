#pragma once
// Reading JSON files and writing output files safely: where a user points --json or --csv,
// loadgen writes there without ever replacing something that is not a regular file.
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace lab {

/// Reads and parses; throws std::runtime_error naming the file and what is wrong.
nlohmann::json read_json_file(const std::string& path);
/// A file's bytes; false (with `error` saying why) when it cannot be read.
bool read_file(const std::string& path, std::string& out, std::string& error);

/// Writes `content` to `path`:
/// - "-": standard output;
/// - a new path or a regular file: atomically (a temporary file in the same folder, renamed
///   over it), so a reader never sees half a file;
/// - a symlink: to what it points at, by the same rules (the link stays a link);
/// - a device, FIFO or socket (/dev/stdout, a pipe): written in place, never replaced.
/// Throws std::runtime_error naming the path and the reason.
void write_output(const std::string& path, const std::string& content);
void write_json_output(const std::string& path, const nlohmann::json& j, int indent = 1);

/// Whether write_output(path) can succeed, checked before a run so a mistake costs nothing:
/// "" when it can, else the reason with the fix ("the folder /x does not exist").
std::string output_problem(const std::string& path);

}  // namespace lab
