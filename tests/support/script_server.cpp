#include "tests/support/script_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

namespace fs = std::filesystem;

namespace labtest {

// Below the kernel's ephemeral range (32768-60999 by default), so that the thousands of client
// connections the tests beside this one open cannot take a port between the pick and the server's
// bind (picked from the ephemeral range, three adjacent ports were often not free: "cannot find free
// ports", nginx then given port 0); SO_REUSEADDR as the servers bind, so a TIME_WAIT does not count.
std::uint16_t free_ports(int n) {
  static std::uint32_t seed = static_cast<std::uint32_t>(getpid()) * 2654435761u;
  for (int attempt = 0; attempt < 200; ++attempt) {
    seed = seed * 1664525u + 1013904223u;
    const auto base = static_cast<std::uint16_t>(20000 + (seed >> 8) % 12000);
    bool ok = true;
    for (int i = 0; i < n && ok; ++i) {
      const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      const int one = 1;
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      a.sin_port = htons(static_cast<std::uint16_t>(base + i));
      ok = fd >= 0 && ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
           ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
      if (fd >= 0) ::close(fd);
    }
    if (ok) return base;
  }
  ADD_FAILURE() << "cannot find free ports";
  return 0;
}

bool accepts(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  if (fd >= 0) ::close(fd);
  return ok;
}

ScriptServer::ScriptServer(const std::string& name, int ports, int stop_signal)
    : dir_((fs::temp_directory_path() / (name + std::to_string(getpid()))).string()), ports_(ports),
      stop_signal_(stop_signal) {
  fs::remove_all(dir_);
  fs::create_directories(dir_);
}

ScriptServer::~ScriptServer() {
  if (proc_) {
    proc_->signal(stop_signal_);
    proc_->wait(std::chrono::seconds(5));
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

void ScriptServer::start(const std::function<std::vector<std::string>(std::uint16_t)>& argv, const char* install_hint,
                         std::chrono::seconds ready_within) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = free_ports(ports_);
    proc_ = std::make_unique<Process>(argv(port_));
    const auto last = static_cast<std::uint16_t>(port_ + ports_ - 1);
    const auto until = std::chrono::steady_clock::now() + ready_within;
    while (std::chrono::steady_clock::now() < until && proc_->running() && !accepts(last))
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (proc_->running() && accepts(last)) return;
    if (proc_->err().find("in use") == std::string::npos) break;  // not the race: report it
  }
  ADD_FAILURE() << install_hint << ": " << proc_->err();
}

std::string ScriptServer::url(const char* scheme, int which, const std::string& path) const {
  return std::string(scheme) + "://127.0.0.1:" + std::to_string(port_ + which) + path;
}

std::vector<std::string> ScriptServer::log() const {
  std::ifstream in(dir_ + "/access.log");
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

void ScriptServer::clear_log() const { std::ofstream(dir_ + "/access.log", std::ios::trunc); }

}  // namespace labtest
