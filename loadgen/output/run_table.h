#pragma once
// The table a run prints at its end, as Locust's console does: a row per request name and the
// aggregate, percentiles, phases, status codes, the ideal schedule, the client's health, errors,
// thresholds and the status in words.
#include <cstdio>

#include "common/result.h"

namespace lab {

/// Printed at the end of a run unless quiet.
void print_run_table(const Result& r, std::FILE* out);

}  // namespace lab
