#include "loadgen/result_set.h"

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "common/result_json.h"

namespace fs = std::filesystem;

namespace lab {

std::vector<LoadedResult> load_result_set(const std::string& path) {
  std::vector<LoadedResult> out;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(path, ec))
      if (e.path().extension() == ".json" && e.path().filename() != "suite.json") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      nlohmann::json j = read_json_file(f.string());
      validate_result(j, f.string());
      out.push_back({f.string(), std::move(j)});
    }
    if (out.empty()) throw std::runtime_error(path + ": no result files (*.json) in this folder");
  } else if (fs::exists(path, ec)) {
    nlohmann::json j = read_json_file(path);
    validate_result(j, path);
    out.push_back({path, std::move(j)});
  } else {
    throw std::runtime_error(path + ": no such file or folder");
  }
  return out;
}

void order_results(std::vector<LoadedResult>& rs) {
  if (rs.empty()) return;
  std::vector<std::string> order;
  fs::path suite = fs::path(rs.front().path).parent_path() / "suite.json";
  std::error_code ec;
  if (fs::exists(suite, ec)) {
    try {
      auto j = read_json_file(suite.string());
      for (const auto& m : j.at("models")) order.push_back(m.get<std::string>());
    } catch (const std::exception&) {
      order.clear();
    }
  }
  auto rank = [&](const LoadedResult& r) {
    auto it = std::find(order.begin(), order.end(), r.label());
    return it == order.end() ? order.size() : static_cast<std::size_t>(it - order.begin());
  };
  std::stable_sort(rs.begin(), rs.end(), [&](const LoadedResult& a, const LoadedResult& b) {
    auto ra = rank(a), rb = rank(b);
    return ra != rb ? ra < rb : a.label() < b.label();
  });
}

}  // namespace lab
