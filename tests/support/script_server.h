#pragma once
// A third-party server a test starts (nginx, nghttpd, Prometheus, InfluxDB) on ports it picks
// free, started again on other ports when another test took one first; stopped with the signal
// its program ends on, its directory removed.
#include <signal.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace labtest {

/// The first of `n` consecutive free loopback ports (0 after a test failure).
std::uint16_t free_ports(int n = 1);
/// Whether something accepts on 127.0.0.1:port.
bool accepts(std::uint16_t port);

class ScriptServer {
 public:
  /// `name`: its directory's prefix under the temporary directory; `ports`: how many consecutive
  /// ports it takes (it is ready once the last accepts); `stop_signal`: what ends it.
  ScriptServer(const std::string& name, int ports = 1, int stop_signal = SIGTERM);
  ~ScriptServer();
  ScriptServer(const ScriptServer&) = delete;
  ScriptServer& operator=(const ScriptServer&) = delete;
  /// Starts `argv(first port)`; a failure to start is a test failure naming `install_hint`.
  void start(const std::function<std::vector<std::string>(std::uint16_t)>& argv, const char* install_hint,
             std::chrono::seconds ready_within = std::chrono::seconds(10));
  std::string url(const char* scheme, int which, const std::string& path = "/") const;
  const std::string& dir() const { return dir_; }
  std::uint16_t port() const { return port_; }
  /// The lines of dir()/access.log; clear_log() empties it.
  std::vector<std::string> log() const;
  void clear_log() const;
  bool running() const { return proc_ && proc_->running(); }
  std::string err() const { return proc_ ? proc_->err() : std::string(); }

 private:
  std::string dir_;
  int ports_ = 1, stop_signal_ = SIGTERM;
  std::uint16_t port_ = 0;
  std::unique_ptr<Process> proc_;
};

}  // namespace labtest
