#include "server/model.h"

namespace lab {

const std::vector<ModelInfo>& all_models() {
  // name, summary, run, reuseport, keeps_alive, event_driven
  static const std::vector<ModelInfo> models = {
      {"single", "one process, one thread: accept, serve, close, next", run_single, false, false, false},
      {"multiprocess", "fork per connection; the parent reaps children without blocking", run_multiprocess, false, true,
       false},
      {"multithread", "thread per connection, small stacks, bounded by --max-threads", run_multithread, false, true,
       false},
      {"select", "one-thread reactor on select(); sheds fds >= FD_SETSIZE with 503", run_select, false, true, true},
      {"select-seed", "the original study's design: accept, select over the list, a thread per ready socket",
       run_select_seed, false, false, false},
      {"poll", "the select reactor with the poll() backend", run_poll, false, true, true},
      {"epoll", "the select reactor with the level-triggered epoll backend", run_epoll, false, true, true},
      {"epoll-et", "edge-triggered epoll: accept/read until EAGAIN, bounded work per wakeup", run_epoll_et, false, true,
       true},
      {"reuseport", "one epoll reactor per CPU, each with its own SO_REUSEPORT listener", run_reuseport, true, true,
       true},
      {"threadpool", "fixed worker threads fed by the acceptor through a bounded queue", run_threadpool, false, true,
       false},
      {"prefork", "N worker processes forked at start, accepting on the shared listener", run_prefork, false, true,
       false},
      {"asio", "Boost.Asio, one io_context per CPU (Asio's server2 design)", run_asio, false, true, true},
      {"uring", "io_uring (liburing): multishot accept and receive into provided buffers, sends batched per wait",
       run_uring, false, true, true},
  };
  return models;
}

const ModelInfo* find_model(std::string_view name) {
  for (const auto& m : all_models())
    if (name == m.name) return &m;
  return nullptr;
}

}  // namespace lab
