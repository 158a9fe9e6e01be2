#pragma once
// The plan of a run that can be steered (--live-control): its target over time (users, or the
// open-loop rate) as stages, which the engine changes and the load threads follow. A thread keeps
// its own copy and looks at the generation (one atomic load) to know when to take a new one, so
// the hot path takes no lock.
#include <atomic>
#include <cstdint>
#include <mutex>

#include "loadgen/shape/stages.h"

namespace lab {

class SharedPlan {
 public:
  explicit SharedPlan(Stages s) : stages_(std::move(s)) {}
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  Stages get() const {
    std::lock_guard lk(mu_);
    return stages_;
  }
  void set(Stages s) {
    std::lock_guard lk(mu_);
    stages_ = std::move(s);
    generation_.fetch_add(1, std::memory_order_acq_rel);
  }

 private:
  mutable std::mutex mu_;
  Stages stages_;
  std::atomic<std::uint64_t> generation_{1};
};

}  // namespace lab
