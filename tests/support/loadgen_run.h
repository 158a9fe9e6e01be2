#pragma once
// Running loadgen from tests and checking the invariants of the document it writes.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace labtest {

/// A per-process temporary path for a result document called `name`.
std::string tmp_json(const std::string& name);
/// Runs loadgen with `--json json -q` plus `args`, waits up to 60 s, and returns the document
/// (null when none was written, which is then removed). `code` and `err` receive the exit code
/// and stderr.
nlohmann::json run_loadgen(const std::vector<std::string>& args, const std::string& json, int* code = nullptr,
                           std::string* err = nullptr, ExitStatus* status = nullptr);
/// The invariants every result document keeps (gtest expectations): it validates against the
/// schema, requests = successes + failures, the series and the error kinds sum to the totals,
/// and the histogram holds the successes.
void expect_consistent(const nlohmann::json& j);
/// The count of errors of `kind` in a result (0 when absent).
std::uint64_t errors_of(const nlohmann::json& j, const std::string& kind);
/// The client I/O path a plain-HTTP run names in environment.client_io: the one LOADGEN_CLIENT_IO
/// asks for (the suites run with it unset and with sockets, tests/CMakeLists.txt); auto: io_uring
/// where the kernel gives a ring.
std::string expected_client_io();
/// http://127.0.0.1:PORT
std::string url(std::uint16_t port);

}  // namespace labtest
