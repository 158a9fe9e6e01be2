#pragma once
#include <cstdio>
#include <string>
#include <vector>

namespace labtest {

/// The models the server binary offers (`server --list-models`), so a new model is tested
/// by every parameterized suite without touching the tests.
inline std::vector<std::string> server_models() {
  std::vector<std::string> out;
  FILE* p = popen(SERVER_BIN " --list-models", "r");
  if (!p) return out;
  char line[512];
  while (std::fgets(line, sizeof line, p)) {
    std::string s(line);
    out.push_back(s.substr(0, s.find(' ')));
  }
  pclose(p);
  return out;
}

inline bool keeps_alive(const std::string& model) { return model != "single" && model != "select-seed"; }

}  // namespace labtest
