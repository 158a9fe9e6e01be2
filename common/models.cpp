// The model registry's facts (common/models.def), for the server and loadgen alike.
#include "common/models.h"

namespace lab {

const std::vector<ModelFacts>& model_facts() {
  static const std::vector<ModelFacts> facts = {
#define LAB_MODEL(id, ...) ModelFacts __VA_ARGS__,
#include "common/models.def"
#undef LAB_MODEL
  };
  return facts;
}

const ModelFacts* find_model_facts(std::string_view name) {
  for (const auto& m : model_facts())
    if (name == m.name) return &m;
  return nullptr;
}

const char* to_string(ModelKind k) {
  switch (k) {
    case ModelKind::kIterative: return "iterative";
    case ModelKind::kProcessPerConnection: return "process per connection";
    case ModelKind::kThreadPerConnection: return "thread per connection";
    case ModelKind::kThreadPerRequest: return "thread per request";
    case ModelKind::kThreadPool: return "thread pool";
    case ModelKind::kProcessPool: return "process pool";
    case ModelKind::kEventLoop: return "event loop";
    case ModelKind::kLoopPerCpu: return "event loop per CPU";
  }
  return "?";
}

}  // namespace lab
