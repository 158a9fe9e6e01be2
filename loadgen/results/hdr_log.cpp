#include "loadgen/results/hdr_log.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <sstream>
#include <stdexcept>

#include "common/environment.h"
#include "common/format.h"
#include "common/hdr_codec.h"

namespace lab {

namespace {

// What a log may hold: times from 1970 to 2100, intervals of at most a day spanning at most a
// year, histograms that decode to at most 256 MiB in all.
constexpr double kLatestStart = 4102444800.0;  // 2100-01-01
constexpr double kMaxIntervalS = 86400;
constexpr double kMaxSpanS = 366 * 86400.0;
constexpr std::size_t kMaxInflated = 256u << 20;

constexpr const char* kLegend =
    "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"";

// The run's origin in Unix seconds: a shard's exact start, else its started_at.
double unix_start(const Result& r) {
  if (r.shard && r.shard->start_epoch_s > 0) return r.shard->start_epoch_s;
  return static_cast<double>(parse_utc_timestamp(r.started_at).value_or(0));
}

// A tag may not hold the log's separators.
std::string tag_of(const std::string& name) {
  std::string t = name;
  for (char& c : t)
    if (c == ',' || c == ' ' || c == '=' || c == '\t' || c == '\r' || c == '\n') c = '_';
  return t;
}

std::string line(const std::string& tag, double start, double length, const Histogram& h) {
  // The interval's max in milliseconds (HdrHistogram's default unit ratio for nanoseconds):
  // the highest value its top bucket holds.
  const double max_ms = h.count() ? static_cast<double>(h.max()) / 1e6 : 0.0;
  char head[96];
  std::snprintf(head, sizeof head, "%.3f,%.3f,%.3f,", start, length, max_ms);
  return (tag.empty() ? "" : "Tag=" + tag + ",") + head + hdr_encode(h) + "\n";
}

// What the log measured: the run's label, else its target (the workload's URL, password redacted).
std::string what(const Result& r) {
  if (!r.label.empty()) return r.label;
  const std::string url = workload_view(r.workload).url;
  return url.empty() ? r.name() : url;
}

}  // namespace

std::string hlog_text(const Result& r) {
  std::ostringstream o;
  const double t0 = unix_start(r);
  const std::time_t whole = static_cast<std::time_t>(t0);
  std::tm tm{};
  gmtime_r(&whole, &tm);
  char when[64];
  std::strftime(when, sizeof when, "%a %b %d %H:%M:%S UTC %Y", &tm);
  char start[160];
  std::snprintf(start, sizeof start, "#[StartTime: %.3f (seconds since epoch), %s]\n", t0, when);
  o << "#[Histogram log format version 1.3]\n"
    << "#[loadgen " << (r.tool.is_object() ? r.tool.value("version", "?") : "?") << ": " << what(r)
    << "; latency of successes in ns; Tag=NAME: one request name; untagged: all]\n"
    << start << "#[BaseTime: " << fixed(t0, "%.3f") << " (seconds since epoch)]\n"
    << kLegend << "\n";
  double prev_end = 0;
  for (const auto& p : r.series) {
    // A second ends at t; a last, partial one began where the previous ended (at t - 1).
    const double end = static_cast<double>(p.t), begin = std::max(prev_end, end - 1.0);
    for (const auto& n : p.names) o << line(tag_of(n.name), begin, p.length_s, from_sparse(n.hist));
    o << line("", begin, p.length_s, from_sparse(p.hist));
    prev_end = end;
  }
  return o.str();
}

bool looks_like_hlog(const std::string& text) {
  const std::size_t i = text.find_first_not_of(" \t\r\n");
  if (i == std::string::npos) return false;
  if (text.compare(i, 2, "#[") == 0 || text.compare(i, 16, "\"StartTimestamp\"") == 0 ||
      text.compare(i, 4, "Tag=") == 0)
    return true;
  // A log without its optional header lines: its first line is an interval (three numbers, then
  // the histogram in base64), which no JSON document is.
  double a = 0, b = 0, c = 0;
  int used = 0;
  return std::sscanf(text.c_str() + i, "%lf,%lf,%lf,%n", &a, &b, &c, &used) == 3 && used > 0;
}

namespace {

// A log's intervals as read: each second's histograms, untagged and per tag.
struct HlogSecond {
  double start = 0, length = 0;
  bool untagged = false;
  std::vector<Histogram> by_tag;  // as HlogIntervals::tags
  Histogram all;
};
struct HlogIntervals {
  std::map<long long, HlogSecond> seconds;  // by start in milliseconds
  std::vector<std::string> tags;
};

// Reads the log's lines, every one checked (file:line: what), into its intervals.
HlogIntervals read_intervals(const std::string& text, const std::string& path) {
  HlogIntervals out;
  auto& seconds = out.seconds;
  auto& tags = out.tags;
  double start_time = 0, base_time = 0;
  bool have_base = false;
  std::istringstream in(text);
  std::string l;
  int line_no = 0;
  std::uint64_t counted = 0;  // successes over the whole log
  std::size_t inflated = 0;   // decoded bytes over the whole log
  auto fail = [&](const std::string& what) -> void {
    throw std::runtime_error(path + ":" + std::to_string(line_no) + ": " + what);
  };
  while (std::getline(in, l)) {
    ++line_no;
    if (!l.empty() && l.back() == '\r') l.pop_back();
    if (l.empty()) continue;
    if (l[0] == '#') {
      double v = 0;
      if (std::sscanf(l.c_str(), "#[StartTime: %lf", &v) == 1) start_time = v;
      if (std::sscanf(l.c_str(), "#[BaseTime: %lf", &v) == 1) {
        base_time = v;
        have_base = true;
      }
      continue;
    }
    if (l.rfind("\"StartTimestamp\"", 0) == 0) continue;
    std::string tag;
    std::string rest = l;
    if (rest.rfind("Tag=", 0) == 0) {
      const auto comma = rest.find(',');
      if (comma == std::string::npos) fail("a tag without an interval");
      tag = rest.substr(4, comma - 4);
      rest = rest.substr(comma + 1);
    }
    double ts = 0, length = 0, max_ms = 0;
    int used = 0;
    if (std::sscanf(rest.c_str(), "%lf,%lf,%lf,%n", &ts, &length, &max_ms, &used) != 3 || used <= 0)
      fail("expected StartTimestamp,Interval_Length,Interval_Max,Interval_Compressed_Histogram");
    if (!std::isfinite(ts) || !std::isfinite(length) || length < 0) fail("a start or length that is not a time");
    if (length > kMaxIntervalS)
      fail("an interval of " + fixed(length, "%.0f") + " s (the most a log's interval may last is a day)");
    Histogram h;
    std::size_t bytes = 0;
    try {
      h = hdr_decode(std::string_view(rest).substr(static_cast<std::size_t>(used)), &bytes);
    } catch (const std::exception& e) {
      fail(e.what());
    }
    inflated += bytes;
    if (inflated > kMaxInflated) fail("the log's histograms decode to more than 256 MiB by this line");
    if (h.count() > kMaxHdrCount - counted) fail("the log counts more than 2^53 successes by this line");
    counted += h.count();
    // Timestamps are relative to the base time; without one, HdrHistogram's rule: small ones
    // are relative to the start time.
    if (!have_base) base_time = ts < start_time - 365 * 24 * 3600.0 ? start_time : 0;
    if (!(base_time + ts >= 0 && base_time + ts <= kLatestStart))
      fail("an interval starting " + fixed(base_time + ts, "%.3g") +
           " s after 1970 (a log's times are from 1970 to 2100, in seconds)");
    HlogSecond& s = seconds[std::llround((base_time + ts) * 1000)];
    s.start = base_time + ts;
    s.length = std::max(s.length, length);
    if (tag.empty()) {
      s.untagged = true;
      s.all.merge(h);
    } else {
      auto it = std::find(tags.begin(), tags.end(), tag);
      if (it == tags.end()) it = tags.insert(tags.end(), tag);
      const auto k = static_cast<std::size_t>(it - tags.begin());
      if (s.by_tag.size() <= k) s.by_tag.resize(k + 1);
      s.by_tag[k].merge(h);
    }
  }
  if (seconds.empty()) throw std::runtime_error(path + ": an interval log with no interval in it");
  return out;
}

}  // namespace

Result read_hlog(const std::string& text, const std::string& path) {
  Result r;
  r.path = path;
  r.label = std::filesystem::path(path).stem().string();
  r.workload = {{"source", "hlog"}};
  r.tool = {{"name", "hlog"}};
  HlogIntervals intervals = read_intervals(text, path);
  auto& seconds = intervals.seconds;
  const auto& tags = intervals.tags;
  const double origin = seconds.begin()->second.start;
  if (seconds.rbegin()->second.start - origin > kMaxSpanS)
    throw std::runtime_error(path + ": its intervals span " +
                             fixed((seconds.rbegin()->second.start - origin) / 86400, "%.0f") +
                             " days (a log of one run spans at most a year)");
  r.started_at = utc_timestamp(static_cast<std::time_t>(origin));
  Histogram total;
  std::vector<EndpointStats> endpoints(tags.size());
  for (std::size_t k = 0; k < tags.size(); ++k) endpoints[k].name = tags[k];
  double end = origin;
  for (auto& [key, s] : seconds) {
    s.by_tag.resize(tags.size());
    if (!s.untagged)
      for (const auto& h : s.by_tag) s.all.merge(h);
    SeriesPoint p;
    p.length_s = s.length;
    p.t = static_cast<int>(std::lround(s.start - origin)) + 1;  // a second is named by its end
    p.partial = s.length < 0.999;
    p.requests = s.all.count();
    for (std::size_t k = 0; k < tags.size(); ++k) {
      NamePoint& n = p.names.emplace_back();
      n.name = tags[k];
      n.requests = s.by_tag[k].count();
      n.finish(s.by_tag[k], s.length);
      endpoints[k].requests += n.requests;
      endpoints[k].histogram.merge(s.by_tag[k]);
    }
    p.finish(s.all);
    total.merge(s.all);
    end = std::max(end, s.start + s.length);
    r.series.push_back(std::move(p));
  }
  Summary sum;
  sum.requests = total.count();
  sum.duration_s = end - origin;
  sum.finish(total);
  r.summary = sum;
  r.histogram = total;
  r.endpoints = std::move(endpoints);
  r.environment = {{"start_epoch_s", origin}};
  return r;
}

}  // namespace lab
