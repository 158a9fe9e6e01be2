#pragma once
#include <cstdio>
#include <string>
#include <vector>

namespace labtest {

/// A model as `server --list-models` describes it.
struct ModelTraits {
  std::string name;
  bool keeps_alive = false;
  bool event_driven = false;
};

inline std::vector<ModelTraits> model_traits() {
  std::vector<ModelTraits> out;
  FILE* p = popen(SERVER_BIN " --list-models", "r");
  if (!p) return out;
  char line[512];
  while (std::fgets(line, sizeof line, p)) {
    std::string s(line);
    out.push_back({s.substr(0, s.find(' ')), s.find("keepalive=yes") != std::string::npos,
                   s.find("event_driven=yes") != std::string::npos});
  }
  pclose(p);
  return out;
}

/// The models the server binary offers, so a new model is tested by every parameterized suite
/// without touching the tests.
inline std::vector<std::string> server_models() {
  std::vector<std::string> out;
  for (const auto& m : model_traits()) out.push_back(m.name);
  return out;
}

inline const ModelTraits& traits_of(const std::string& model) {
  static const std::vector<ModelTraits> all = model_traits();
  for (const auto& m : all)
    if (m.name == model) return m;
  static const ModelTraits none{};
  return none;
}
inline bool keeps_alive(const std::string& model) { return traits_of(model).keeps_alive; }
inline bool event_driven(const std::string& model) { return traits_of(model).event_driven; }

}  // namespace labtest
