#pragma once
// Files in tests: a fresh temporary folder per test and process, and reading what a tool wrote.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace labtest {

/// An empty folder of the system's temporary folder, named for the test and this process.
inline std::filesystem::path temp_dir(const std::string& name) {
  std::filesystem::path p =
      std::filesystem::temp_directory_path() / ("loadlab-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p;
}
inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}
inline std::vector<std::string> lines(const std::filesystem::path& p) {
  std::vector<std::string> out;
  std::istringstream in(slurp(p));
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}
/// The fields of a CSV line without quoted commas.
inline std::size_t fields(const std::string& s) {
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), ',')) + 1;
}

}  // namespace labtest
