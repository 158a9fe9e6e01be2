#pragma once
// `loadgen aggregate RUN_DIR`: folds the repeats of a bench-all run (REPEAT=N writes each
// model's runs to RUN_DIR/repeats/) into one result per model: the repeat with the median
// requests/s, carrying every metric's median, min, max and values over the repeats. A model
// that failed in any repeat is shown as failed (a failure never hides behind a median).
#include <string>
#include <vector>

#include "common/result.h"

namespace lab {

/// The aggregated result of one model's repeats (at least one).
Result aggregate_repeats(std::vector<Result> repeats);

}  // namespace lab
