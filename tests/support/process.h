#pragma once
// Starting and stopping the lab's executables from tests.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace labtest {

struct ExitStatus {
  bool exited = false;  // normally (else killed by a signal, or still running at the deadline)
  int code = -1;
  int signal = 0;
  long max_rss_kb = 0;  // peak resident set size (wait4's rusage)
};

class Process {
 public:
  /// Starts argv[0] with stdout and stderr captured to files; `nofile` > 0 sets its soft and
  /// hard RLIMIT_NOFILE (so the program cannot raise it).
  explicit Process(const std::vector<std::string>& argv, int nofile = 0);
  ~Process();  // kills and reaps if still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void signal(int sig);
  /// Waits up to `timeout` for exit; SIGKILLs at the deadline (then exited == false).
  ExitStatus wait(std::chrono::milliseconds timeout);
  std::string out() const;
  std::string err() const;

 private:
  pid_t pid_ = -1;
  std::string out_path_, err_path_;
  bool reaped_ = false;
  ExitStatus status_;
};

/// A server under test: started with --port 0 (unless `extra` names a --port), ready once it
/// printed its listening line.
class ServerProcess {
 public:
  ServerProcess(const std::string& model, const std::vector<std::string>& extra = {}, int nofile = 0);
  std::uint16_t port() const { return port_; }
  Process& proc() { return proc_; }
  /// The ready line's first line ("listening HOST:PORT key=value ...").
  const std::string& ready_line() const { return ready_; }
  /// A key=value field of the ready line ("" when absent).
  std::string ready_field(const std::string& key) const;
  /// SIGTERM and wait; returns how it ended.
  ExitStatus stop(std::chrono::milliseconds timeout = std::chrono::seconds(15));

 private:
  Process proc_;
  std::uint16_t port_ = 0;
  std::string ready_;
};

/// Makes this test process the subreaper of everything it starts, so a server's orphaned
/// children re-parent here and can be found afterwards.
void become_subreaper();
/// Descendant processes of `pid` (children, grandchildren) that are still alive or zombies.
std::vector<pid_t> descendants(pid_t pid);
/// Zombie children of `pid`.
int zombie_children(pid_t pid);
/// Threads of `pid` (from /proc/pid/status), -1 if gone.
int thread_count(pid_t pid);
/// Open fds of `pid` (entries of /proc/pid/fd), -1 if gone.
int fd_count(pid_t pid);

}  // namespace labtest
