#pragma once
// A set of results: a run folder (every *.json in it that is a result, suite.json aside) or
// one file, read into the typed result model.
#include <functional>
#include <string>
#include <vector>

#include "common/result.h"

namespace lab {

/// Reads and validates; throws std::runtime_error naming the file and field at fault.
std::vector<Result> load_result_set(const std::string& path);
Result load_result(const std::string& file);

/// Orders a run folder's results as bench-all ran them (suite.json's order, else by name).
void order_results(std::vector<Result>& rs);

/// What a reader of a table of these results must know: results of different workloads side
/// by side, and names that appear twice. Empty when there is nothing to say.
std::vector<std::string> set_warnings(const std::vector<Result>& rs);

}  // namespace lab
