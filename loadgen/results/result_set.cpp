#include "loadgen/results/result_set.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <stdexcept>

#include "common/output_file.h"
#include "loadgen/results/hdr_log.h"

namespace fs = std::filesystem;

namespace lab {

Result load_result(const std::string& file) {
  const JsonSource src = read_json_source(file);
  if (looks_like_hlog(src.text)) return read_hlog(src.text, file);
  return result_from_json(parse_json_source(src), src);
}

std::vector<Result> load_result_set(const std::string& path) {
  std::vector<Result> out;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::vector<fs::path> files;
    // a run folder's companions: the suite's description and the machine's costs
    for (const auto& e : fs::directory_iterator(path, ec))
      if (e.path().extension() == ".json" && e.path().filename() != "suite.json" &&
          e.path().filename() != "calibration.json")
        files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) out.push_back(load_result(f.string()));
    if (out.empty()) throw std::runtime_error(path + ": no result files (*.json) in this folder");
  } else if (fs::exists(path, ec)) {
    out.push_back(load_result(path));
  } else {
    throw std::runtime_error(path + ": no such file or folder");
  }
  return out;
}

void order_results(std::vector<Result>& rs) {
  if (rs.empty()) return;
  std::vector<std::string> order;
  fs::path suite = fs::path(rs.front().path).parent_path() / "suite.json";
  std::error_code ec;
  if (fs::exists(suite, ec)) {
    try {
      auto j = read_json_file(suite.string());
      for (const auto& m : j.at("models")) order.push_back(m.get<std::string>());
    } catch (const std::exception&) {
      order.clear();  // an unreadable suite.json only costs the order
    }
  }
  auto rank = [&](const Result& r) {
    auto it = std::find(order.begin(), order.end(), r.name());
    return it == order.end() ? order.size() : static_cast<std::size_t>(it - order.begin());
  };
  std::stable_sort(rs.begin(), rs.end(), [&](const Result& a, const Result& b) {
    auto ra = rank(a), rb = rank(b);
    return ra != rb ? ra < rb : a.name() < b.name();
  });
}

std::vector<std::string> set_warnings(const std::vector<Result>& rs) {
  std::vector<std::string> out;
  const Result* first = nullptr;
  std::vector<std::string> differ;
  for (const auto& r : rs) {
    if (!r.has_summary()) continue;
    if (!first)
      first = &r;
    else if (comparable_workload(r.workload) != comparable_workload(first->workload))
      differ.push_back(r.name());
  }
  if (!differ.empty()) {
    std::string names;
    for (const auto& n : differ) names += (names.empty() ? "" : ", ") + n;
    out.push_back("Mixed workloads: " + names + " ran a different workload than " + first->name() +
                  "; their numbers are not comparable side by side.");
  }
  for (const auto& r : rs) {
    if (!r.shard || !r.shard->partial()) continue;
    std::string what;
    for (int i : r.shard->missing) what += (what.empty() ? "" : ", ") + std::to_string(i);
    auto list = [](const std::vector<int>& v) {
      std::string l;
      for (int i : v) l += (l.empty() ? "" : ", ") + std::to_string(i);
      return l;
    };
    const std::string failed = list(r.shard->failed), incomplete = list(r.shard->incomplete);
    out.push_back("Partial: " + r.name() + " merges " + std::to_string(r.shard->merged.size()) + " of " +
                  std::to_string(r.shard->count) + " shards" + (what.empty() ? "" : "; missing " + what) +
                  (failed.empty() ? "" : "; failed " + failed) +
                  (incomplete.empty() ? "" : "; interrupted " + incomplete) + ".");
  }
  std::map<std::string, int> seen;
  for (const auto& r : rs) ++seen[r.name()];
  for (const auto& [name, n] : seen)
    if (n > 1) out.push_back("Duplicate label: " + std::to_string(n) + " results are named '" + name + "'.");
  return out;
}

}  // namespace lab
