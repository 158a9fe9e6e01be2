#include "loadgen/run/preflight.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "common/net.h"
#include "loadgen/pacing/load_model.h"

namespace lab {

// fds the run may hold at once: one socket per user, plus the process's own.
std::string preflight(const Workload& w, int reserved, nlohmann::json& env) {
  const int users = w.own_users();
  FdLimit lim = raise_fd_limit();
  const std::uint64_t base = static_cast<std::uint64_t>(count_open_fds() > 0 ? count_open_fds() : 8);
  const std::uint64_t need = static_cast<std::uint64_t>(users) + base + 16u * static_cast<std::uint64_t>(w.threads) +
                             static_cast<std::uint64_t>(std::max(0, reserved));
  env["fds_needed_estimate"] = need;
  if (need > lim.soft) {
    return "this run needs about " + std::to_string(need) + " file descriptors (" + std::to_string(users) +
           " users, one socket each, plus " + std::to_string(need - static_cast<std::uint64_t>(users)) +
           " for the process" + (reserved > 0 ? " and the live view" : std::string()) +
           ") but the open-file limit is " + std::to_string(lim.soft) + " (hard limit " + std::to_string(lim.hard) +
           "). Fix: lower --users to at most " +
           std::to_string(lim.soft > need - static_cast<std::uint64_t>(users)
                              ? lim.soft - (need - static_cast<std::uint64_t>(users))
                              : 0) +
           ", or raise the hard limit (ulimit -Hn, /etc/security/limits.conf) and retry";
  }
  return {};
}

int max_users_for_fds(int threads) {
  const FdLimit lim = raise_fd_limit();
  const std::uint64_t base = static_cast<std::uint64_t>(count_open_fds() > 0 ? count_open_fds() : 8);
  const std::uint64_t reserved = base + 16u * static_cast<std::uint64_t>(threads) + 64;  // + the live view
  return lim.soft > reserved ? static_cast<int>(std::min<std::uint64_t>(lim.soft - reserved, 1'000'000)) : 0;
}

int steerable_users(const Workload& w) { return std::max(w.users, max_users_for_fds(w.load_threads())); }

static void warn_ports(const Workload& w, const LoadModel& model) {
  if (w.keepalive) return;
  const double conn_rate = model.connection_rate(w) / w.shard_count;  // this shard's part
  if (conn_rate <= 0) return;                                         // unknown in advance
  unsigned lo = 32768, hi = 60999;
  if (FILE* f = std::fopen("/proc/sys/net/ipv4/ip_local_port_range", "r")) {
    if (std::fscanf(f, "%u %u", &lo, &hi) != 2) lo = 32768, hi = 60999;
    std::fclose(f);
  }
  int tw_reuse = 0;
  if (FILE* f = std::fopen("/proc/sys/net/ipv4/tcp_tw_reuse", "r")) {
    if (std::fscanf(f, "%d", &tw_reuse) != 1) tw_reuse = 0;
    std::fclose(f);
  }
  const double ports = hi - lo + 1;
  const double in_time_wait = conn_rate * 60;  // Linux keeps TIME_WAIT 60 s
  if (in_time_wait > ports && tw_reuse == 0) {
    std::fprintf(stderr,
                 "loadgen: warning: about %.0f new connections/s x 60 s TIME_WAIT = %.0f ports, more than the %.0f "
                 "ephemeral ports (%u-%u) and net.ipv4.tcp_tw_reuse=0; expect out_of_ephemeral_ports errors "
                 "unless the server closes first. Fix: --keepalive, fewer users, or sysctl net.ipv4.tcp_tw_reuse=1\n",
                 conn_rate, in_time_wait, ports, lo, hi);
  }
}

void warn_before_run(const Workload& w, const LoadModel& model) {
  warn_ports(w, model);
  if (const std::string why = model.warning(w); !why.empty())
    std::fprintf(stderr, "loadgen: warning: %s\n", why.c_str());
}

}  // namespace lab
