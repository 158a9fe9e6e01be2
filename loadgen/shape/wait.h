#pragma once
// How a closed-loop user waits between requests, as Locust's wait_time functions:
//   between:1s,5s   a think time drawn from U(1 s, 5 s) after each response (between(1, 5); the
//                   default, also --wait-min/--wait-max)
//   constant:2s     2 s after each response (constant(2))
//   pacing:5s       one request start every 5 s, whatever the response time (constant_pacing(5));
//                   a response slower than that starts the next at once
//   throughput:0.2  0.2 request starts a second per user (constant_throughput(0.2) = pacing:5s)
//   poisson:2s      an exponential think time of mean 2 s after each response (a Poisson process
//                   of requests when responses are fast)
#include <optional>
#include <string>
#include <string_view>

#include "loadgen/shape/rng.h"

namespace lab {

enum class WaitKind { kBetween, kConstant, kPacing, kThroughput, kPoisson };

struct WaitShape {
  WaitKind kind = WaitKind::kBetween;
  double a = 1, b = 5;  // between: U(a, b); constant: a; pacing: a (period); throughput: a (per s); poisson: a (mean)

  /// Seconds from one request's start to the next one's earliest start (pacing, throughput),
  /// or 0 when the wait follows the response (between, constant, poisson).
  double period_s() const;
  /// The think time after a response (pacing and throughput: 0, their period rules instead).
  double think_s(Rng& rng) const;
  /// The mean time between a user's requests when responses are instant.
  double mean_gap_s() const;
  bool operator==(const WaitShape& o) const { return kind == o.kind && a == o.a && b == o.b; }
};

/// Parses "between:1s,5s", "constant:2s", "pacing:5s", "throughput:0.2", "poisson:2s" (durations
/// as everywhere: 500ms, 2s, 1m; a bare number is seconds). nullopt with `error` naming the fix.
std::optional<WaitShape> parse_wait(std::string_view spec, std::string& error);
/// The spec back, canonical: "between:1s,5s".
std::string wait_text(const WaitShape& w);

}  // namespace lab
