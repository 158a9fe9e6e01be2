#include "loadgen/capacity/predict.h"

#include <sys/select.h>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "common/format.h"

namespace lab {

namespace {

bool event_driven(const std::string& m) {
  return m == "select" || m == "poll" || m == "epoll" || m == "epoll-et" || m == "reuseport" || m == "asio" ||
         m == "uring";
}

// The cost of one readiness call over n descriptors, from the calibration's sizes (linear between
// the two measured sizes around n, or from the largest's cost per descriptor beyond it).
std::optional<double> scan_us(const Calibration& c, const std::string& call, int n) {
  std::vector<std::pair<int, double>> pts;
  for (int size : {10, 100, 1000, 10000})
    if (auto v = c.us(call + "_" + std::to_string(size))) pts.emplace_back(size, *v);
  if (pts.empty()) return std::nullopt;
  if (n <= pts.front().first) return pts.front().second;
  for (std::size_t i = 1; i < pts.size(); ++i)
    if (n <= pts[i].first) {
      const auto [x0, y0] = pts[i - 1];
      const auto [x1, y1] = pts[i];
      return y0 + (y1 - y0) * (n - x0) / static_cast<double>(x1 - x0);
    }
  return pts.back().second * n / pts.back().first;
}

}  // namespace

// A pool's workers (threadpool threads, prefork processes; their defaults, docs/models.md); 0 for
// the other models.
int pool_size(const PredictInput& in) {
  if (in.model == "threadpool") return in.workers > 0 ? in.workers : 16;
  if (in.model == "prefork") return in.workers > 0 ? in.workers : 4;
  return 0;
}

std::optional<Prediction> waiting_bound(const PredictInput& in, double cpu_us, int cpus_online) {
  // A wait that blocks its thread or process: W of them serve at most W / (wait + CPU) a second.
  const std::string& m = in.model;
  const bool blocking = !event_driven(m) || in.io_wait_blocks;
  if (!(in.io_wait_ms > 0 && blocking)) return std::nullopt;
  const int pool = pool_size(in);
  int w = 1;
  std::string who = "1 thread";
  if (pool > 0) {
    w = pool;
    who = std::to_string(pool) + (m == "prefork" ? " processes" : " threads");
  } else if (m == "multiprocess" || m == "multithread" || m == "select-seed") {
    w = in.connections;
    who = std::to_string(w) + (m == "multiprocess" ? " processes" : " threads") + " (one per connection)";
  } else if (m == "reuseport" || m == "asio") {
    w = in.workers > 0 ? in.workers : std::max(1, cpus_online);
    who = std::to_string(w) + " loops";
  } else if (m != "single") {
    who = "1 loop";
  }
  Prediction p;
  p.rps = w / (in.io_wait_ms / 1000.0 + cpu_us / 1e6);
  p.formula = who + " / (" + fixed(in.io_wait_ms, "%g") + " ms wait + " + fixed(cpu_us, "%.1f") + " us)";
  return p;
}

Prediction project(const PredictInput& in, double d_us, double cpus, int cpus_online) {
  Prediction p;
  p.rps = d_us > 0 ? cpus * 1e6 / d_us : 0;
  p.formula = fixed(cpus, "%g") + " CPU / " + fixed(d_us, "%.1f") + " us measured";
  if (const auto w = waiting_bound(in, d_us, cpus_online); w && w->rps < p.rps) p = *w;
  p.formula += " = " + commas(std::round(p.rps)) + "/s";
  return p;
}

std::optional<Prediction> predict(const PredictInput& in, const Calibration& c, std::string* why_not) {
  auto no = [&](const std::string& why) -> std::optional<Prediction> {
    if (why_not) *why_not = why;
    return std::nullopt;
  };
  const std::string& m = in.model;
  std::vector<std::pair<std::string, double>> parts;  // the CPU cost of one request, us
  std::string missing;
  auto cost = [&](const std::string& name, double scale = 1, const std::string& label = "") {
    const auto v = c.us(name);
    if (!v) {
      missing = name;
      return;
    }
    parts.emplace_back(label.empty() ? name : label, *v * scale);
  };

  // A pool with more kept-alive connections than workers ends a connection with its reply when
  // others wait (docs/models.md): each request then pays a new connection.
  const int pool = pool_size(in);
  PredictInput eff = in;
  if (pool > 0 && !in.new_connection && in.connections > pool) eff.new_connection = true;
  const int fds = in.connections + 1;  // the connections and the listener
  if ((m == "select") && fds + 8 >= FD_SETSIZE)
    return no("select cannot hold descriptors >= FD_SETSIZE (" + std::to_string(FD_SETSIZE) + ")");

  if (eff.new_connection) cost("tcp_accept_close");
  cost("loopback_round_trip", 0.5, "round_trip/2");
  if (in.work_us > 0) cost("busy_loop_200us", in.work_us / 200.0, "work " + fixed(in.work_us, "%g") + " us");
  if (in.body_bytes > 0) cost("memcpy_256k", static_cast<double>(in.body_bytes) / 262144.0, "reply copy");
  // What the model's mechanism adds per request.
  if (m == "multiprocess") {
    if (in.new_connection) cost("fork_exit_wait");
    cost("context_switch");
  } else if (m == "multithread" || m == "select-seed") {
    if (in.new_connection || m == "select-seed") cost("thread_create_join");
    cost("context_switch");
  } else if (m == "threadpool") {
    cost("context_switch", eff.new_connection ? 2 : 1, eff.new_connection ? "2 x context_switch" : "context_switch");
  } else if (m == "prefork") {
    cost("context_switch");
  } else if (m == "select" || m == "poll") {
    if (auto s = scan_us(c, m, fds))
      parts.emplace_back(m + " over " + std::to_string(fds) + " fds", *s);
    else
      missing = m + "_N";
  } else if (event_driven(m)) {
    cost("epoll_wait_10", 1, "epoll_wait");
  } else if (m != "single") {
    return no("no cost model for '" + m + "'");
  }
  if (!missing.empty()) return no("the calibration lacks " + missing);

  double cpu_us = 0;
  std::string sum;
  for (const auto& [name, us] : parts) {
    cpu_us += us;
    sum += (sum.empty() ? "" : " + ") + name + " " + fixed(us, us < 10 ? "%.2f" : "%.1f");
  }
  if (!(cpu_us > 0) || !std::isfinite(cpu_us)) return no("the calibration's costs add up to no time");
  Prediction p;
  p.rps = 1e6 / cpu_us;
  p.formula = "1 CPU / (" + sum + ") us";

  if (const auto w = waiting_bound(in, cpu_us, c.host.value("cpus_online", 1)); w && w->rps < p.rps) p = *w;
  p.formula += " = " + commas(std::round(p.rps)) + "/s";
  return p;
}

Agreement agreement(double measured, double predicted) {
  Agreement a;
  a.ratio = predicted > 0 ? measured / predicted : 0;
  a.off = a.ratio < 0.75 || a.ratio > 1.25;
  return a;
}

}  // namespace lab
