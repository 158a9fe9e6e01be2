#pragma once
// Reading JSON files and writing output files safely: where a user points --json or --csv,
// loadgen writes there without ever replacing something that is not a regular file.
#include <chrono>
#include <optional>
#include <string>

#include "common/json_reader.h"

#include <nlohmann/json_fwd.hpp>

namespace lab {

/// Reads and parses; throws std::runtime_error naming the file (and the line) of what is wrong.
nlohmann::json read_json_file(const std::string& path);
/// A file's text, to parse and read with Fields that name lines (common/json_reader.h).
JsonSource read_json_source(const std::string& path);
/// A file's bytes; false (with `error` saying why) when it cannot be read: a folder, a read
/// error, a missing file. Never an empty success for something that was not read.
bool read_file(const std::string& path, std::string& out, std::string& error);

/// The descriptor a path names without being a file: /dev/stdout (1), /dev/stderr (2),
/// /dev/fd/N and /proc/self/fd/N. nullopt for any other path.
std::optional<int> named_descriptor(const std::string& path);

/// Writes `content` to `path`:
/// - "-", or a path naming a descriptor (/dev/stdout, /dev/fd/N): that descriptor, in place
///   (a pipe works; a redirected file is appended to, never replaced);
/// - a new path or a regular file: atomically (a temporary file in the same folder, renamed
///   over it), so a reader never sees half a file; a new file gets 0666 less the umask, a
///   replaced one keeps its mode;
/// - a symlink: to what it points at, by the same rules (the link stays a link);
/// - a device, FIFO or socket: written in place, never replaced (a FIFO nobody reads within
///   10 s is an error, not a hang).
/// Throws std::runtime_error naming the path and the reason.
/// `fifo_wait`: how long a FIFO may go without a reader.
void write_output(const std::string& path, const std::string& content,
                  std::chrono::milliseconds fifo_wait = std::chrono::seconds(10));
void write_json_output(const std::string& path, const nlohmann::json& j, int indent = 1);

/// JSON as text with every byte that is not UTF-8 (a label, a URL, a server's text) written as
/// U+FFFD: nlohmann's default throws there, and a result was lost after its run for one byte.
/// Every document and event loadgen writes goes through this.
std::string json_text(const nlohmann::json& j, int indent = -1);

/// A label as a file name inside a folder: '/' and control characters become '_', and a name
/// that is empty or starts with '.' gets a leading '_' (so "../x" cannot leave the folder).
std::string safe_file_name(const std::string& label);

/// Whether write_output(path) can succeed, checked before a run so a mistake costs nothing:
/// "" when it can, else the reason with the fix ("the folder /x does not exist").
std::string output_problem(const std::string& path);

}  // namespace lab
