#pragma once
// What each concurrency model is, as the server runs it and loadgen predicts it: one registry,
// common/models.def, read by both (docs/architecture.md, "Adding a concurrency model").
#include <string_view>
#include <vector>

namespace lab {

/// How a model serves: what it creates per connection or request, and how many serve at once.
enum class ModelKind {
  kIterative,             // one thread: accept, serve, close, next
  kProcessPerConnection,  // a process forked per connection
  kThreadPerConnection,   // a thread started per connection
  kThreadPerRequest,      // a thread started per ready request (the seed's select design)
  kThreadPool,            // a fixed pool of threads (workers)
  kProcessPool,           // a fixed pool of processes (workers)
  kEventLoop,             // one thread, non-blocking, waiting in `readiness`
  kLoopPerCpu,            // one event loop per CPU (or --workers)
};
const char* to_string(ModelKind k);

struct ModelFacts {
  const char* name = "";
  ModelKind kind = ModelKind::kIterative;
  int workers = 0;             // a pool's default size (--workers 0); 0 where not a pool
  const char* readiness = "";  // the call it waits in: select, poll, epoll, io_uring; "" none
  bool reuseport = false;      // the listener must allow more SO_REUSEPORT listeners on its port
  bool keeps_alive = false;    // may keep a connection open between requests (http11)
  bool event_driven = false;   // its loop must not block: a backend wait (--io-wait-ms) is a timer
  const char* summary = "";
};

/// Every model, in the registry's order (the order the jobs run them).
const std::vector<ModelFacts>& model_facts();
/// nullptr for a name the registry does not hold.
const ModelFacts* find_model_facts(std::string_view name);

}  // namespace lab
