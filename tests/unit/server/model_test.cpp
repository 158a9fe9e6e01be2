// The one model registry (common/models.def): the server runs exactly its models, in its order,
// each with a run function, and what the registry says a model is matches what the server does
// with it (pool defaults, event loops).
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "common/models.h"
#include "loadgen/capacity/predict.h"
#include "server/model.h"

namespace lab {
namespace {

TEST(ModelRegistry, TheServerRunsEveryModelOfTheRegistryInItsOrder) {
  const auto& facts = model_facts();
  const auto& models = all_models();
  ASSERT_EQ(models.size(), facts.size());
  ASSERT_EQ(models.size(), 13u) << "the four original models and nine modern ones";
  std::set<std::string> names;
  for (std::size_t i = 0; i < models.size(); ++i) {
    EXPECT_STREQ(models[i].name, facts[i].name);
    EXPECT_NE(models[i].run, nullptr) << models[i].name;
    EXPECT_TRUE(names.insert(models[i].name).second) << "twice: " << models[i].name;
    EXPECT_EQ(find_model(models[i].name), &models[i]);
    EXPECT_EQ(find_model_facts(facts[i].name), &facts[i]);
  }
  EXPECT_EQ(find_model_facts("nginx"), nullptr);
}

TEST(ModelRegistry, KindsAgreeWithTheModelsFlags) {
  for (const auto& f : model_facts()) {
    const bool loop = f.kind == ModelKind::kEventLoop || f.kind == ModelKind::kLoopPerCpu;
    EXPECT_EQ(loop, f.event_driven) << f.name << ": an event loop is what must not block";
    const bool pool = f.kind == ModelKind::kThreadPool || f.kind == ModelKind::kProcessPool;
    EXPECT_EQ(pool, f.workers > 0) << f.name << ": a pool has a default size, nothing else does";
    if (loop) {
      EXPECT_STRNE(f.readiness, "") << f.name;
    }
  }
}

// The predictor reads the same registry: a pool's default size comes from it (the threadpool's
// 16 threads over a 20 ms blocking wait serve 16 / 20 ms = 800/s), and a name it does not hold
// is refused with the reason.
TEST(ModelRegistry, ThePredictorTakesItsFactsFromTheRegistry) {
  PredictInput in;
  in.model = "threadpool";
  in.io_wait_ms = 20;
  const auto w = waiting_bound(in, 0, 2);
  ASSERT_TRUE(w);
  EXPECT_NEAR(w->rps, 800, 1e-6);
  EXPECT_NE(w->formula.find("16 threads"), std::string::npos) << w->formula;
  in.model = "epoll";
  EXPECT_FALSE(waiting_bound(in, 0, 2)) << "an event loop's wait is a timer: no concurrency bound";
  in.model = "nginx";
  std::string why;
  EXPECT_FALSE(predict(in, Calibration{}, &why));
  EXPECT_NE(why.find("not a model of common/models.def"), std::string::npos) << why;
}

}  // namespace
}  // namespace lab
