#include "loadgen/capacity/predict.h"

#include <sys/select.h>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "common/format.h"
#include "common/models.h"

namespace lab {

namespace {

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

// A pool's workers (threadpool threads, prefork processes: --workers, else the registry's
// default); 0 for the other kinds.
int pool_size(const PredictInput& in, const ModelFacts& f) {
  if (f.kind != ModelKind::kThreadPool && f.kind != ModelKind::kProcessPool) return 0;
  return in.workers > 0 ? in.workers : f.workers;
}

}  // namespace

std::optional<Prediction> waiting_bound(const PredictInput& in, double cpu_us, int cpus_online) {
  // A wait that blocks its thread or process: W of them serve at most W / (wait + CPU) a second.
  const ModelFacts* f = find_model_facts(in.model);
  if (!f) return std::nullopt;
  const bool blocking = !f->event_driven || in.io_wait_blocks;
  if (!(in.io_wait_ms > 0 && blocking)) return std::nullopt;
  int w = 1;
  std::string who = "1 thread";
  switch (f->kind) {
    case ModelKind::kThreadPool:
    case ModelKind::kProcessPool:
      w = pool_size(in, *f);
      who = std::to_string(w) + (f->kind == ModelKind::kProcessPool ? " processes" : " threads");
      break;
    case ModelKind::kProcessPerConnection:
    case ModelKind::kThreadPerConnection:
    case ModelKind::kThreadPerRequest:
      w = in.connections;
      who = std::to_string(w) + (f->kind == ModelKind::kProcessPerConnection ? " processes" : " threads") +
            " (one per connection)";
      break;
    case ModelKind::kLoopPerCpu:
      w = in.workers > 0 ? in.workers : std::max(1, cpus_online);
      who = std::to_string(w) + " loops";
      break;
    case ModelKind::kEventLoop: who = "1 loop"; break;
    case ModelKind::kIterative: break;
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
  const ModelFacts* f = find_model_facts(in.model);
  if (!f) return no("no cost model for '" + in.model + "' (not a model of common/models.def)");
  const std::string readiness = f->readiness;
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
  const int pool = pool_size(in, *f);
  PredictInput eff = in;
  if (pool > 0 && !in.new_connection && in.connections > pool) eff.new_connection = true;
  const int fds = in.connections + 1;  // the connections and the listener
  if (readiness == "select" && f->event_driven && fds + 8 >= FD_SETSIZE)
    return no("select cannot hold descriptors >= FD_SETSIZE (" + std::to_string(FD_SETSIZE) + ")");

  if (eff.new_connection) cost("tcp_accept_close");
  cost("loopback_round_trip", 0.5, "round_trip/2");
  if (in.work_us > 0) cost("busy_loop_200us", in.work_us / 200.0, "work " + fixed(in.work_us, "%g") + " us");
  if (in.body_bytes > 0) cost("memcpy_256k", static_cast<double>(in.body_bytes) / 262144.0, "reply copy");
  // What the model's mechanism adds per request, by its kind (common/models.def).
  switch (f->kind) {
    case ModelKind::kProcessPerConnection:
      if (in.new_connection) cost("fork_exit_wait");
      cost("context_switch");
      break;
    case ModelKind::kThreadPerConnection:
    case ModelKind::kThreadPerRequest:
      if (in.new_connection || f->kind == ModelKind::kThreadPerRequest) cost("thread_create_join");
      cost("context_switch");
      break;
    case ModelKind::kThreadPool:
      cost("context_switch", eff.new_connection ? 2 : 1, eff.new_connection ? "2 x context_switch" : "context_switch");
      break;
    case ModelKind::kProcessPool: cost("context_switch"); break;
    case ModelKind::kEventLoop:
    case ModelKind::kLoopPerCpu:
      if (readiness == "select" || readiness == "poll") {
        if (auto s = scan_us(c, readiness, fds))
          parts.emplace_back(readiness + " over " + std::to_string(fds) + " fds", *s);
        else
          missing = readiness + "_N";
      } else {
        cost("epoll_wait_10", 1, "epoll_wait");  // (io_uring's wait is costed as one epoll_wait)
      }
      break;
    case ModelKind::kIterative: break;
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
