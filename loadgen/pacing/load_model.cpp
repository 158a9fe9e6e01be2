#include "loadgen/pacing/load_model.h"

#include <stdexcept>

namespace lab {

const std::vector<const LoadModel*>& load_models() {
  // The registration table: one line per load mode.
  static const std::vector<const LoadModel*> all = {&users_model(), &max_model(), &rate_model()};
  return all;
}

const LoadModel& load_model(LoadMode mode) {
  for (const LoadModel* m : load_models())
    if (m->mode() == mode) return *m;
  throw std::logic_error("load mode without a LoadModel");
}

const char* to_string(LoadMode m) { return load_model(m).name(); }

}  // namespace lab
