#pragma once
// The contract between main and a concurrency model: one function per model, one file each,
// and one registration line in model.cpp saying what the model can do.
#include <string_view>
#include <vector>

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

struct ModelInfo {
  const char* name;
  const char* summary;
  ModelFn run;
  bool reuseport;     // the listener must allow more SO_REUSEPORT listeners on its port
  bool keeps_alive;   // may keep a connection open between requests (http11)
  bool event_driven;  // its loop must not block: a backend wait (--io-wait-ms) is a timer
};

/// Every model, in the order bench-all runs them.
const std::vector<ModelInfo>& all_models();
const ModelInfo* find_model(std::string_view name);

// One per file under server/models/.
int run_single(const ModelContext&);
int run_multiprocess(const ModelContext&);
int run_multithread(const ModelContext&);
int run_select(const ModelContext&);
int run_select_seed(const ModelContext&);
int run_poll(const ModelContext&);
int run_epoll(const ModelContext&);
int run_epoll_et(const ModelContext&);
int run_reuseport(const ModelContext&);
int run_threadpool(const ModelContext&);
int run_prefork(const ModelContext&);
int run_asio(const ModelContext&);
int run_uring(const ModelContext&);

}  // namespace lab
