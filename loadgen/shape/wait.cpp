#include "loadgen/shape/wait.h"

#include <cmath>
#include <random>
#include <cstdlib>

#include "common/duration.h"

namespace lab {

namespace {

constexpr double kMaxWaitS = 86400;  // a day: longer is a mistake, and must not overflow a clock

std::optional<double> seconds(std::string_view s) {
  const auto d = parse_duration(s);
  if (!d) return std::nullopt;
  return std::chrono::duration<double>(*d).count();
}

std::string dur(double s) {
  return format_duration(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(s)));
}

}  // namespace

double WaitShape::period_s() const {
  if (kind == WaitKind::kPacing) return a;
  if (kind == WaitKind::kThroughput) return 1.0 / a;
  return 0;
}

double WaitShape::think_s(Rng& rng) const {
  switch (kind) {
    case WaitKind::kBetween: return a == b ? a : std::uniform_real_distribution<double>(a, b)(rng);
    case WaitKind::kConstant: return a;
    case WaitKind::kPoisson: return std::min(kMaxWaitS, std::exponential_distribution<double>(1.0 / a)(rng));
    case WaitKind::kPacing:
    case WaitKind::kThroughput: return 0;
  }
  return 0;
}

double WaitShape::mean_gap_s() const {
  switch (kind) {
    case WaitKind::kBetween: return (a + b) / 2;
    case WaitKind::kConstant:
    case WaitKind::kPoisson: return a;
    case WaitKind::kPacing:
    case WaitKind::kThroughput: return period_s();
  }
  return a;
}

namespace {
// Think times under a millisecond are a closed loop by another name: each user would send as soon
// as its response is in, and the schedule's fidelity would read 0.00% (throughput:1e308 ran so).
constexpr double kMinWaitS = 0.001;
const std::string kUnderAMillisecond =
    "a wait under 1 ms is a closed loop (use --max, or --rate for a fixed request rate)";
}  // namespace

std::optional<WaitShape> parse_wait(std::string_view spec, std::string& error) {
  const auto colon = spec.find(':');
  const std::string kind(spec.substr(0, colon));
  const std::string_view args = colon == std::string_view::npos ? std::string_view() : spec.substr(colon + 1);
  const std::string forms = "between:1s,5s, constant:2s, pacing:5s, throughput:0.2 or poisson:2s";
  if (colon == std::string_view::npos || args.empty()) {
    error = "'" + std::string(spec) + "' is not a wait shape (use " + forms + ")";
    return std::nullopt;
  }
  WaitShape w;
  auto bad = [&](const std::string& why) -> std::optional<WaitShape> {
    error = "'" + std::string(spec) + "': " + why;
    return std::nullopt;
  };
  if (kind == "between") {
    const auto comma = args.find(',');
    if (comma == std::string_view::npos) return bad("between takes two durations, the shorter first (between:1s,5s)");
    const auto lo = seconds(args.substr(0, comma)), hi = seconds(args.substr(comma + 1));
    if (!lo || !hi) return bad("between takes two durations (between:1s,5s)");
    if (*lo > *hi) return bad("the shorter time goes first (between:1s,5s)");
    if (*hi <= 0) return bad("no wait at all is --max (a closed loop without think time)");
    if (*hi < kMinWaitS) return bad(kUnderAMillisecond);
    w = {WaitKind::kBetween, *lo, *hi};
  } else if (kind == "constant" || kind == "pacing" || kind == "poisson") {
    const auto s = seconds(args);
    if (!s) return bad(kind + " takes one duration (" + kind + ":2s)");
    if (*s <= 0) return bad("a wait of 0 is --max (a closed loop without think time)");
    if (*s < kMinWaitS) return bad(kUnderAMillisecond);
    w = {kind == "constant" ? WaitKind::kConstant : kind == "pacing" ? WaitKind::kPacing : WaitKind::kPoisson, *s, *s};
  } else if (kind == "throughput") {
    char* end = nullptr;
    const std::string n(args);
    const bool decimal = n.find_first_not_of("0123456789.eE+-") == std::string::npos;  // (strtod takes 0x10 too)
    const double x = std::strtod(n.c_str(), &end);
    if (!decimal || end != n.c_str() + n.size() || !std::isfinite(x) || x <= 0)
      return bad("throughput takes request starts per second per user, > 0 (throughput:0.2)");
    if (1.0 / x > kMaxWaitS) return bad("less than one request a day per user");
    if (1.0 / x < kMinWaitS) return bad("more than 1,000 request starts a second per user: " + kUnderAMillisecond);
    w = {WaitKind::kThroughput, x, x};
  } else {
    return bad("unknown wait shape '" + kind + "' (use " + forms + ")");
  }
  if (w.kind != WaitKind::kThroughput && w.b > kMaxWaitS) return bad("longer than a day");
  return w;
}

std::string wait_text(const WaitShape& w) {
  switch (w.kind) {
    case WaitKind::kBetween: return "between:" + dur(w.a) + "," + dur(w.b);
    case WaitKind::kConstant: return "constant:" + dur(w.a);
    case WaitKind::kPacing: return "pacing:" + dur(w.a);
    case WaitKind::kThroughput: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%g", w.a);
      return std::string("throughput:") + buf;
    }
    case WaitKind::kPoisson: return "poisson:" + dur(w.a);
  }
  return "";
}

}  // namespace lab
