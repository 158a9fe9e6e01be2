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

/// The shape of `loadgen summary|report PATH`: loads the results at PATH (a run folder or one
/// file), orders them, and calls `fn(dir, results, path_is_a_folder)`, where `dir` is the
/// folder (or the file's folder). `fn` returns what to print ("" for nothing). Bad input or an
/// unwritable output prints "loadgen NAME: ..." and returns 2; success returns 0.
int run_folder_command(int argc, char** argv, const char* name, const char* what,
                       const std::function<std::string(const std::string&, const std::vector<Result>&, bool)>& fn);

}  // namespace lab
