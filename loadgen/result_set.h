#pragma once
// A set of result documents: a run folder (every *.json in it that is a result) or one file.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lab {

struct LoadedResult {
  std::string path;
  nlohmann::json doc;
  std::string label() const { return doc.value("label", std::string("?")); }
  bool ok() const { return doc.value("status", std::string()) == "ok"; }
};

/// Reads and validates; throws std::runtime_error naming the file and field at fault.
std::vector<LoadedResult> load_result_set(const std::string& path);

/// Orders a run folder's results as bench-all ran them (suite.json's order, else by label).
void order_results(std::vector<LoadedResult>& rs);

}  // namespace lab
