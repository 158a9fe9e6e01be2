#include "server/calibrate/calibrate.h"

#include <sched.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <stdexcept>

#include "common/calibration.h"
#include "common/environment.h"
#include "common/net.h"
#include "common/output_file.h"
#include "server/calibrate/probes.h"
#include "server/work.h"

namespace lab {

namespace {

nlohmann::json host_facts(const FdLimit& lim) {
  nlohmann::json h = nlohmann::json::object();
  utsname u{};
  if (::uname(&u) == 0) h["kernel"] = std::string(u.sysname) + " " + u.release;
  h["cpu_model"] = cpu_model();
  char name[256] = "";
  if (::gethostname(name, sizeof name - 1) == 0) h["hostname"] = std::string(name);  // else: not compared
  h["cpus_online"] = ::sysconf(_SC_NPROCESSORS_ONLN);
  cpu_set_t set;
  CPU_ZERO(&set);
  nlohmann::json affinity = nlohmann::json::array();
  if (::sched_getaffinity(0, sizeof set, &set) == 0)
    for (int i = 0; i < CPU_SETSIZE; ++i)
      if (CPU_ISSET(i, &set)) affinity.push_back(i);
  h["affinity"] = affinity;  // the CPUs the probes ran on
  h["fd_limit"] = lim.soft;
  timespec res{};
  if (::clock_getres(CLOCK_MONOTONIC, &res) == 0) h["clock_resolution_ns"] = res.tv_sec * 1'000'000'000LL + res.tv_nsec;
  return h;
}

}  // namespace

int run_calibration(const std::string& json_path) {
  if (!json_path.empty()) {
    if (std::string why = output_problem(json_path); !why.empty()) {
      std::fprintf(stderr, "server: --json: %s\n", why.c_str());
      return 2;
    }
  }
  const auto t0 = std::chrono::steady_clock::now();
  const FdLimit lim = raise_fd_limit();
  Calibration c;
  c.created = utc_timestamp();
  c.host = host_facts(lim);
  c.loop_iterations_per_us = calibrate_busy_work();

  std::vector<ProbeResult> probes;
  auto add = [&](ProbeResult r) { probes.push_back(std::move(r)); };
  std::fprintf(stderr, "server: calibrating on CPU(s) %s: about 10 s\n", c.host["affinity"].dump().c_str());
  add(probe_fork());
  add(probe_vfork());
  add(probe_thread());
  add(probe_context_switch());
  for (auto& r : probe_connections()) add(std::move(r));
  add(probe_round_trip());
  // Readiness over N idle descriptors, N up to what the open-file limit leaves room for.
  std::vector<int> sizes;
  for (int n : {10, 100, 1000, 10000})
    if (static_cast<std::uint64_t>(n) + 64 <= lim.soft) sizes.push_back(n);
  for (auto& r : probe_readiness(sizes)) add(std::move(r));
  add(probe_copy());
  add(probe_busy_loop());
  add(probe_sleep());
  add(probe_clock());

  int rc = 0;
  std::printf("%-22s %12s %12s %12s  %s\n", "cost", "median us", "p10 us", "p90 us", "what");
  for (const ProbeResult& r : probes) {
    if (!r.error.empty() || r.us.empty()) {
      c.errors[r.name] = r.error.empty() ? "no sample" : r.error;
      std::printf("%-22s %12s %12s %12s  could not run: %s\n", r.name.c_str(), "-", "-", "-", c.errors[r.name].c_str());
      rc = 1;
      continue;
    }
    const Cost k = summarize(r.what, r.us, r.per_batch);
    c.costs[r.name] = k;
    std::printf("%-22s %12.3f %12.3f %12.3f  %s\n", r.name.c_str(), k.median_us, k.p10_us, k.p90_us, r.what.c_str());
  }
  std::printf("loop_iterations_per_us %.0f; %.1f s in all\n", c.loop_iterations_per_us,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  std::fflush(stdout);
  if (!json_path.empty()) {
    try {
      write_json_output(json_path, to_json(c));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "server: --json: %s\n", e.what());
      return 2;
    }
  }
  return rc;
}

}  // namespace lab
