#include "loadgen/results/compare.h"

#include "loadgen/results/hdr_log.h"

#include <cmath>
#include <map>
#include <sstream>

#include "common/format.h"
#include "loadgen/results/noise.h"
#include "common/output_file.h"

namespace lab {

double pct(double base, double cur) { return base != 0 ? 100.0 * (cur - base) / base : (cur == 0 ? 0 : INFINITY); }

std::string delta_num(double v) { return fixed(v, std::fabs(v) >= 100 ? "%.1f" : "%.3f"); }

namespace {

// Whether the noise separates the two: their spreads do not overlap (unknown spreads: assumed
// separated, and the note says so).
bool beyond_noise(const Result& b, const Result& c, Metric m) {
  const auto sb = spread(b, m), sc = spread(c, m);
  if (!sb || !sc) return true;
  return sc->hi < sb->lo || sc->lo > sb->hi;
}

}  // namespace

std::string spread_text(const Result& r, Metric m) {
  const auto s = spread(r, m);
  const OptDouble v = value(r, m);
  if (!s || !v) return "unknown";
  const std::string range = (s->from_repeats ? "min-max " : "+/-2se ") + delta_num(s->lo) + "-" + delta_num(s->hi);
  if (*v == 0) return range;
  return range + " (+/-" + fixed(100 * (s->hi - s->lo) / 2 / std::fabs(*v), "%.1f") + "%)";
}

std::vector<ModelDelta> compare_sets(const std::vector<Result>& base, const std::vector<Result>& cur,
                                     const CompareLimits& t, bool force) {
  const Result* first = nullptr;
  for (const auto& r : base)
    if (r.has_summary() && !first) first = &r;
  if (!force && first) {
    for (const auto& c : cur) {
      if (!c.has_summary()) continue;  // a model that did not run has no workload to compare
      if (c.schema_version != first->schema_version)
        throw std::runtime_error("schema versions differ (" + first->path + ": " +
                                 std::to_string(first->schema_version) + ", " + c.path + ": " +
                                 std::to_string(c.schema_version) + "); use --force to compare anyway");
      if (!from_hlog(c) && !from_hlog(*first) &&
          comparable_workload(c.workload) != comparable_workload(first->workload))
        throw std::runtime_error("workloads differ (" + first->path + " vs " + c.path +
                                 "): " + comparable_workload(first->workload).dump() + " vs " +
                                 comparable_workload(c.workload).dump() + "; use --force to compare anyway");
    }
  }
  std::map<std::string, const Result*> bm, cm;
  std::vector<std::string> order;
  // Two single files are one pair, whatever their names (compare base.hlog current.json); sets
  // pair by name, and a comparison in which nothing pairs says so rather than "no regression".
  const bool one_each = base.size() == 1 && cur.size() == 1;
  auto key = [&](const Result& r) {
    return one_each && base[0].name() != cur[0].name() ? base[0].name() + " vs " + cur[0].name() : r.name();
  };
  for (const auto& r : base) {
    bm[key(r)] = &r;
    order.push_back(key(r));
  }
  bool paired = false;
  for (const auto& r : cur) {
    if (!bm.count(key(r)) && !cm.count(key(r))) order.push_back(key(r));
    paired = paired || bm.count(key(r)) > 0;
    cm[key(r)] = &r;
  }
  if (!paired && !base.empty() && !cur.empty()) {
    auto names = [](const std::vector<Result>& rs) {
      std::string s;
      for (const auto& r : rs) s += (s.empty() ? "" : ", ") + r.name();
      return s;
    };
    throw std::runtime_error(
        "nothing to compare: no run in the current set has a name (label, else file name) of "
        "the base's (base: " +
        names(base) + "; current: " + names(cur) +
        "); label the runs alike (--label), or compare one file with one file");
  }
  std::vector<ModelDelta> out;
  for (const auto& m : order) {
    ModelDelta d;
    d.model = m;
    const Result* b = bm.count(m) ? bm[m] : nullptr;
    const Result* c = cm.count(m) ? cm[m] : nullptr;
    if (b && b->ok()) d.base = b;
    if (c && c->ok()) d.cur = c;
    if (!b)
      d.note = "only in current";
    else if (!c)
      d.note = "only in base";
    else if (!b->ok() && !c->ok())
      d.note = "failed in both";
    else if (!b->ok())
      d.note = "failed in base";
    else if (!c->ok()) {
      d.note = "failed in current: " + c->error;
      d.regressed = true;
      d.reasons.push_back("the model ran in base and failed in current");
    }
    if (d.base && d.cur) {
      const Result& rb = *d.base;
      const Result& rc = *d.cur;
      const double pb = value(rb, Metric::kRps).value_or(0), pc = value(rc, Metric::kRps).value_or(0);
      if (pct(pb, pc) < -t.max_rps_drop_pct && beyond_noise(rb, rc, Metric::kRps)) {
        d.regressed = true;
        d.reasons.push_back("requests/s " + delta_num(pct(pb, pc)) + "% (limit -" + delta_num(t.max_rps_drop_pct) +
                            "%, beyond the noise)");
      }
      const OptDouble lb = value(rb, Metric::kP95), lc = value(rc, Metric::kP95);
      if (lb && lc && pct(*lb, *lc) > t.max_p95_rise_pct && *lc - *lb > t.min_latency_delta_ms &&
          beyond_noise(rb, rc, Metric::kP95)) {
        d.regressed = true;
        d.reasons.push_back("p95 +" + delta_num(pct(*lb, *lc)) + "% (+" + delta_num(*lc - *lb) + " ms; limit +" +
                            delta_num(t.max_p95_rise_pct) + "% and +" + delta_num(t.min_latency_delta_ms) +
                            " ms, beyond the noise)");
      }
      const double fb = value(rb, Metric::kFailurePct).value_or(0), fc = value(rc, Metric::kFailurePct).value_or(0);
      if (fc - fb > t.max_failure_rise_pts) {
        d.regressed = true;
        d.reasons.push_back("failure rate +" + delta_num(fc - fb) + " points (limit +" +
                            delta_num(t.max_failure_rise_pts) + ")");
      }
      for (const auto* side : {&rb, &rc}) {
        if (!side->client.bound) continue;
        d.inconclusive = true;
        d.note = std::string("client-bound in ") + (side == &rb ? "base" : "current") + ": " + side->client.reason;
      }
      if (d.inconclusive && d.regressed) {
        d.regressed = false;  // the client, not the server, may have made the difference
        for (auto& r : d.reasons) r = "not counted: " + r;
      }
    }
    out.push_back(std::move(d));
  }
  return out;
}

std::string machine_difference(const std::vector<ModelDelta>& ds) {
  const nlohmann::json* b = nullptr;
  const nlohmann::json* c = nullptr;
  bool base_any = false, cur_any = false;
  for (const auto& d : ds) {
    if (d.base) base_any = true;
    if (d.cur) cur_any = true;
    if (!b && d.base && d.base->environment.contains("calibration")) b = &d.base->environment["calibration"];
    if (!c && d.cur && d.cur->environment.contains("calibration")) c = &d.cur->environment["calibration"];
  }
  if (!b && !c) return "";
  if (!b || !c)
    return base_any && cur_any ? std::string("only the ") + (b ? "base" : "current") +
                                     " records the machine's costs (make calibrate): a difference may be the machine's"
                               : "";
  if (!b->contains("median_us") || !c->contains("median_us")) return "";
  std::string out;
  for (const char* k : {"fork_exit_wait", "thread_create_join", "context_switch", "tcp_accept_close",
                        "loopback_round_trip", "memcpy_256k", "busy_loop_200us"}) {
    const auto& bm = (*b)["median_us"];
    const auto& cm = (*c)["median_us"];
    if (!bm.contains(k) || !cm.contains(k) || !bm[k].is_number() || !cm[k].is_number()) continue;
    const double x = bm[k].get<double>(), y = cm[k].get<double>();
    if (x <= 0 || y <= 0 || (y / x >= 0.8 && y / x <= 1.25)) continue;
    out += std::string(out.empty() ? "" : ", ") + k + " " + delta_num(x) + " -> " + delta_num(y) + " us";
  }
  return out.empty() ? ""
                     : "the machines' costs differ (make calibrate): " + out +
                           "; a difference may be the machine's, not the code's";
}

}  // namespace lab
