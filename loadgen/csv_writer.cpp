#include "loadgen/csv_writer.h"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "loadgen/stats.h"

namespace lab {

namespace {
const char* kPct[] = {"50%", "66%", "75%", "80%", "90%", "95%", "98%", "99%", "99.9%", "99.99%", "100%"};

// Locust prints response times in whole milliseconds in its percentile columns.
std::string ms_int(double v) { return std::to_string(static_cast<long long>(std::llround(v))); }
std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}
}  // namespace

void write_locust_csv(const nlohmann::json& doc, const std::string& prefix) {
  const auto& s = doc["summary"];
  const auto& p = s["percentiles_ms"];
  const std::string path = doc["workload"]["path"].get<std::string>();
  const double dur = s["duration_s"].get<double>();
  const double req = s["requests"].get<double>(), fails = s["failures"].get<double>();
  const double ok = req - fails;
  const double avg_size = ok > 0 ? s["bytes_received"].get<double>() / ok : 0;
  {
    const std::string file = prefix + "_stats.csv";
    std::ofstream f(file);
    if (!f) throw std::runtime_error("cannot write " + file);
    f << "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
         "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s";
    for (const char* c : kPct) f << ',' << c;
    f << '\n';
    auto row = [&](const std::string& type, const std::string& name) {
      f << type << ',' << name << ',' << static_cast<long long>(req) << ',' << static_cast<long long>(fails) << ','
        << ms_int(p["50"].get<double>()) << ',' << num(s["avg_ms"].get<double>()) << ','
        << num(s["min_ms"].get<double>()) << ',' << num(s["max_ms"].get<double>()) << ',' << num(avg_size) << ','
        << num(dur > 0 ? req / dur : 0) << ',' << num(dur > 0 ? fails / dur : 0);
      for (double q : kPercentiles) f << ',' << ms_int(p[percentile_key(q)].get<double>());
      f << '\n';
    };
    row("GET", path);
    row("", "Aggregated");
    if (!f) throw std::runtime_error("write failed: " + file);
  }
  {
    const std::string file = prefix + "_stats_history.csv";
    std::ofstream f(file);
    if (!f) throw std::runtime_error("cannot write " + file);
    f << "Timestamp,User Count,Type,Name,Requests/s,Failures/s";
    for (const char* c : kPct) f << ',' << c;
    f << ",Total Request Count,Total Failure Count,Total Median Response Time,Total Average Response Time,"
         "Total Min Response Time,Total Max Response Time,Total Average Content Size\n";
    // Locust's history rows carry cumulative percentiles; ours are recomputed from the series.
    long long t0 = 0;
    {
      // started_at is ISO UTC; Locust uses a Unix timestamp per row.
      std::tm tm{};
      const std::string st = doc["started_at"].get<std::string>();
      if (strptime(st.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm)) t0 = static_cast<long long>(timegm(&tm));
    }
    std::uint64_t cum_req = 0, cum_fail = 0;
    for (const auto& pt : doc["series"]) {
      cum_req += pt["requests"].get<std::uint64_t>();
      cum_fail += pt["failures"].get<std::uint64_t>();
      f << t0 + pt["t"].get<long long>() << ',' << pt["users"].get<int>() << ",,Aggregated," << num(pt["rps"].get<double>())
        << ',' << num(pt["failures"].get<double>());
      // Per-second percentiles we have for 50/95/99; the others are left "N/A" as Locust does
      // when it has no data for a column.
      for (double q : kPercentiles) {
        if (q == 50) f << ',' << ms_int(pt["p50_ms"].get<double>());
        else if (q == 95) f << ',' << ms_int(pt["p95_ms"].get<double>());
        else if (q == 99) f << ',' << ms_int(pt["p99_ms"].get<double>());
        else f << ",N/A";
      }
      f << ',' << cum_req << ',' << cum_fail << ",N/A,N/A,N/A,N/A,N/A\n";
    }
    if (!f) throw std::runtime_error("write failed: " + file);
  }
}

}  // namespace lab
