// The server's models: the registry's lines (common/models.def), each with its run function.
#include "server/model.h"

namespace lab {

const std::vector<ModelInfo>& all_models() {
  static const std::vector<ModelInfo> models = {
#define LAB_MODEL(id, ...) ModelInfo{ModelFacts __VA_ARGS__, run_##id},
#include "common/models.def"
#undef LAB_MODEL
  };
  return models;
}

const ModelInfo* find_model(std::string_view name) {
  for (const auto& m : all_models())
    if (name == m.name) return &m;
  return nullptr;
}

}  // namespace lab
