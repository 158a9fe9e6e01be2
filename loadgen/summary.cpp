#include "loadgen/summary.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace lab {

namespace {
std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}
std::string commas(double v) {
  std::string s = std::to_string(static_cast<long long>(v + 0.5));
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<std::size_t>(i), ",");
  return s;
}
}  // namespace

std::string summary_markdown(const std::vector<LoadedResult>& rs) {
  std::ostringstream o;
  if (!rs.empty()) {
    const auto& w = rs.front().doc["workload"];
    o << "Workload: mode " << w.value("mode", "?") << ", " << w.value("users", 0) << " users";
    if (w.value("mode", "") == "users")
      o << ", spawn " << w.value("spawn_rate", 0.0) << "/s, waits " << w.value("wait_min_s", 0.0) << "-"
        << w.value("wait_max_s", 0.0) << " s";
    if (w.value("mode", "") == "rate") o << ", " << w.value("rate", 0.0) << " req/s";
    o << ", " << w.value("run_time_s", 0.0) << " s per model" << (w.value("keepalive", false) ? ", keep-alive" : "")
      << ".\n\n";
  }
  const bool scheduled = !rs.empty() && rs.front().doc["workload"].value("mode", "") != "max";
  o << "| model | requests | requests/s | avg ms | p50 ms | p95 ms | p99 ms | failures |"
    << (scheduled ? " fidelity |" : "") << " status |\n";
  o << "|---|---:|---:|---:|---:|---:|---:|---:|" << (scheduled ? "---:|" : "") << "---|\n";
  std::vector<const LoadedResult*> ok;
  for (const auto& r : rs) {
    if (!r.ok()) {
      o << "| " << r.label() << " | - | - | - | - | - | - | - | " << (scheduled ? "- | " : "") << r.doc.value("status", "?") << ": "
        << r.doc.value("error", std::string()) << " |\n";
      continue;
    }
    ok.push_back(&r);
    const auto& s = r.doc["summary"];
    const auto& p = s["percentiles_ms"];
    o << "| " << r.label() << " | " << commas(s["requests"].get<double>()) << " | " << fmt("%.1f", s["rps"].get<double>())
      << " | " << fmt("%.3f", s["avg_ms"].get<double>()) << " | " << fmt("%.3f", p["50"].get<double>()) << " | "
      << fmt("%.3f", p["95"].get<double>()) << " | " << fmt("%.3f", p["99"].get<double>()) << " | "
      << commas(s["failures"].get<double>()) << " | "
      << (scheduled ? (s["schedule_fidelity"].is_number() ? fmt("%.1f%%", 100 * s["schedule_fidelity"].get<double>()) : std::string("-")) + " | "
                    : std::string())
      << "ok" << (r.doc.value("interrupted", false) ? " (interrupted)" : "")
      << " |\n";
  }
  if (scheduled && !ok.empty())
    o << "\nThe request rate is set by the users' schedule here: a model that keeps up reaches the ideal "
         "schedule (fidelity near 100%) and the same requests/s as the others, so compare fidelity and "
         "latency; the max profile measures throughput.\n";
  if (ok.size() > 1) {
    auto by = [&](auto key, bool desc) {
      std::vector<const LoadedResult*> v = ok;
      std::stable_sort(v.begin(), v.end(), [&](auto a, auto b) {
        return desc ? key(*a) > key(*b) : key(*a) < key(*b);
      });
      std::string s;
      for (auto* r : v) s += (s.empty() ? "" : (desc ? " > " : " < ")) + r->label();
      return s;
    };
    o << "\n- Requests per second: "
      << by([](const LoadedResult& r) { return r.doc["summary"]["rps"].get<double>(); }, true) << "\n";
    o << "- Average response time: "
      << by([](const LoadedResult& r) { return r.doc["summary"]["avg_ms"].get<double>(); }, false) << "\n";
  }
  return o.str();
}

int summary_main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: loadgen summary RUN_DIR   (prints the table and writes RUN_DIR/summary.md)\n");
    return 2;
  }
  try {
    auto rs = load_result_set(argv[1]);
    order_results(rs);
    std::string md = summary_markdown(rs);
    std::fputs(md.c_str(), stdout);
    if (std::filesystem::is_directory(argv[1])) {
      std::string path = std::string(argv[1]) + "/summary.md";
      std::ofstream f(path);
      f << "# Summary\n\n" << md;
      if (!f) {
        std::fprintf(stderr, "loadgen: cannot write %s\n", path.c_str());
        return 2;
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "loadgen summary: %s\n", e.what());
    return 2;
  }
  return 0;
}

}  // namespace lab
