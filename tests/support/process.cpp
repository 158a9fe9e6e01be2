#include "tests/support/process.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace labtest {

namespace {
std::atomic<int> g_seq{0};

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// (pid, ppid, state) of every process.
struct ProcInfo {
  pid_t pid, ppid;
  char state;
};
std::vector<ProcInfo> all_processes() {
  std::vector<ProcInfo> out;
  DIR* d = opendir("/proc");
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    std::string stat = slurp(std::string("/proc/") + e->d_name + "/stat");
    auto rp = stat.rfind(')');
    if (rp == std::string::npos) continue;
    std::istringstream rest(stat.substr(rp + 2));
    char state;
    pid_t ppid;
    if (rest >> state >> ppid) out.push_back({static_cast<pid_t>(std::atoi(e->d_name)), ppid, state});
  }
  closedir(d);
  return out;
}
}  // namespace

Process::Process(const std::vector<std::string>& argv, int nofile) {
  const std::string base = "/tmp/loadlab-test-" + std::to_string(getpid()) + "-" + std::to_string(g_seq++);
  out_path_ = base + ".out";
  err_path_ = base + ".err";
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    int o = open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0) _exit(127);
    if (nofile > 0) {
      rlimit rl{static_cast<rlim_t>(nofile), static_cast<rlim_t>(nofile)};
      if (setrlimit(RLIMIT_NOFILE, &rl) != 0) _exit(126);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
}

Process::~Process() {
  if (!reaped_ && pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  unlink(out_path_.c_str());
  unlink(err_path_.c_str());
}

bool Process::running() {
  if (reaped_) return false;
  int st = 0;
  rusage ru{};
  pid_t r = wait4(pid_, &st, WNOHANG, &ru);
  if (r == pid_) {
    reaped_ = true;
    status_.exited = WIFEXITED(st);
    status_.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    status_.signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
    status_.max_rss_kb = ru.ru_maxrss;
    return false;
  }
  return true;
}

void Process::signal(int sig) {
  if (!reaped_) kill(pid_, sig);
}

ExitStatus Process::wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      reaped_ = true;
      status_ = ExitStatus{};
      status_.signal = SIGKILL;
      return status_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return status_;
}

std::string Process::out() const { return slurp(out_path_); }
std::string Process::err() const { return slurp(err_path_); }

ServerProcess::ServerProcess(const std::string& model, const std::vector<std::string>& extra, int nofile)
    : proc_(
          [&] {
            std::vector<std::string> a = {SERVER_BIN, "--model", model};
            if (std::find(extra.begin(), extra.end(), "--port") == extra.end()) a.insert(a.end(), {"--port", "0"});
            a.insert(a.end(), extra.begin(), extra.end());
            return a;
          }(),
          nofile) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string out = proc_.out();
    auto nl = out.find('\n');
    if (nl != std::string::npos) {
      auto colon = out.find(':');
      auto sp = out.find(' ', colon);
      if (out.rfind("listening ", 0) != 0 || colon == std::string::npos || sp == std::string::npos)
        throw std::runtime_error("unexpected ready line: " + out.substr(0, nl));
      port_ = static_cast<std::uint16_t>(std::stoi(out.substr(colon + 1, sp - colon - 1)));
      ready_ = out.substr(0, nl);
      return;
    }
    if (!proc_.running()) throw std::runtime_error("server exited before ready: " + proc_.err());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  throw std::runtime_error("server not ready in 20 s: " + proc_.err());
}

std::string ServerProcess::ready_field(const std::string& key) const {
  const std::string tag = " " + key + "=";
  const auto at = ready_.find(tag);
  if (at == std::string::npos) return {};
  const auto start = at + tag.size();
  return ready_.substr(start, ready_.find(' ', start) - start);
}

ExitStatus ServerProcess::stop(std::chrono::milliseconds timeout) {
  proc_.signal(SIGTERM);
  return proc_.wait(timeout);
}

void become_subreaper() { prctl(PR_SET_CHILD_SUBREAPER, 1); }

std::vector<pid_t> descendants(pid_t pid) {
  auto procs = all_processes();
  std::vector<pid_t> out, frontier{pid};
  while (!frontier.empty()) {
    pid_t p = frontier.back();
    frontier.pop_back();
    for (const auto& i : procs)
      if (i.ppid == p) {
        out.push_back(i.pid);
        frontier.push_back(i.pid);
      }
  }
  return out;
}

int zombie_children(pid_t pid) {
  int n = 0;
  for (const auto& i : all_processes())
    if (i.ppid == pid && i.state == 'Z') ++n;
  return n;
}

int thread_count(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  if (!f) return -1;
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  return -1;
}

int fd_count(pid_t pid) {
  DIR* d = opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
  if (!d) return -1;
  int n = 0;
  while (dirent* e = readdir(d))
    if (e->d_name[0] != '.') ++n;
  closedir(d);
  return n;
}

}  // namespace labtest
