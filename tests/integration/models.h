#pragma once
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace labtest {

/// A model as `server --list-models` describes it.
struct ModelTraits {
  std::string name;
  bool keeps_alive = false;
  bool event_driven = false;
};

/// How many times this process ran `server --list-models` (once, checked by a test).
inline int& model_list_reads() {
  static int reads = 0;
  return reads;
}

/// Read once per test process: GoogleTest evaluates a suite's parameter generator once for every
/// TEST_P in it (33 at the last count), and under ASan each popen of this large binary costs
/// about 0.12 s, which made every integration test process start 4 s late.
inline const std::vector<ModelTraits>& model_traits() {
  static const std::vector<ModelTraits> all = [] {
    ++model_list_reads();
    std::vector<ModelTraits> out;
    FILE* p = popen(SERVER_BIN " --list-models", "r");
    if (!p) {
      std::perror("popen(server --list-models)");
      std::abort();
    }
    char line[512];
    while (std::fgets(line, sizeof line, p)) {
      std::string s(line);
      out.push_back({s.substr(0, s.find(' ')), s.find("keepalive=yes") != std::string::npos,
                     s.find("event_driven=yes") != std::string::npos});
    }
    const int rc = pclose(p);
    if (rc != 0 || out.empty()) {
      // No models would mean no parameterised tests at all: a green run that tested nothing.
      std::fprintf(stderr, "%s --list-models failed (status %d, %zu models)\n", SERVER_BIN, rc, out.size());
      std::abort();
    }
    return out;
  }();
  return all;
}

/// The models the server binary offers, so a new model is tested by every parameterized suite
/// without touching the tests.
inline std::vector<std::string> server_models() {
  std::vector<std::string> out;
  for (const auto& m : model_traits()) out.push_back(m.name);
  return out;
}

inline const ModelTraits& traits_of(const std::string& model) {
  for (const auto& m : model_traits())
    if (m.name == model) return m;
  static const ModelTraits none{};
  return none;
}
inline bool keeps_alive(const std::string& model) { return traits_of(model).keeps_alive; }
inline bool event_driven(const std::string& model) { return traits_of(model).event_driven; }

}  // namespace labtest
