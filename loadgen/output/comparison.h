#pragma once
// A comparison of two result sets as `loadgen compare` prints it: text (a block per model with
// each metric, its change and both sides' noise), a Markdown table, or JSON.
#include <string>
#include <vector>

#include "loadgen/results/compare.h"

namespace lab {

/// `format`: text, markdown or json.
std::string format_comparison(const std::vector<ModelDelta>& d, const std::string& format, const CompareLimits& t);

}  // namespace lab
