#pragma once
// Runs one load test: preflight, threads with their workers, the once-a-second collection and
// status line, the early stop when nothing succeeds, the bounded stop, and the result.
#include "loadgen/run/settings.h"

namespace lab {

/// Blocks for the run's duration (or until SIGINT/SIGTERM, or an early stop). Once the process
/// has been interrupted, every later run returns at once, interrupted.
RunResult run_load(const RunSettings& s);
/// Whether SIGINT or SIGTERM has arrived (sticky for the process).
bool interrupted();
/// Installs the SIGINT/SIGTERM handlers run_load uses (for a command that waits without a run).
void catch_interrupts();

/// The exit code of a finished run (the table in docs/loadgen.md and loadgen --help).
int exit_code(const RunResult& r, bool fail_on_errors);

}  // namespace lab
