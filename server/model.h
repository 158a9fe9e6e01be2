#pragma once
// The contract between main and a concurrency model: one function per model, one file each,
// and one line in the registry (common/models.def) saying what the model is and can do.
#include <string_view>
#include <vector>

#include "common/models.h"
#include "server/config.h"
#include "server/stats.h"

namespace lab {

struct ModelInfo;

/// A pooled model (a fixed number of workers) tells the Session whether connections are waiting
/// for a worker: its kept-alive connection then ends with the current reply ("Connection:
/// close"), so the waiting ones are served in turn rather than after a read timeout.
class WaitingProbe {
 public:
  virtual ~WaitingProbe() = default;
  virtual bool others_waiting() const = 0;
};

struct ModelContext {
  const ServerConfig& cfg;
  ServerStats& stats;
  int listen_fd;  // bound and listening, non-blocking; owned by main
  const ModelInfo& model;
  const WaitingProbe* waiting = nullptr;  // pooled models only
};

using ModelFn = int (*)(const ModelContext&);

/// A model of the registry (common/models.def): its facts, and the function that runs it.
struct ModelInfo : ModelFacts {
  ModelFn run = nullptr;
};

/// Every model, in the order bench-all runs them.
const std::vector<ModelInfo>& all_models();
const ModelInfo* find_model(std::string_view name);

// One per file under server/models/, one per line of the registry.
#define LAB_MODEL(id, ...) int run_##id(const ModelContext&);
#include "common/models.def"
#undef LAB_MODEL

}  // namespace lab
