#include "loadgen/shape/stages.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>

#include "common/duration.h"

namespace lab {

double Stages::total_s() const {
  double t = 0;
  for (const auto& s : stages_) t += s.duration_s;
  return t;
}

double Stages::max_target() const {
  double m = 0;
  for (const auto& s : stages_) m = std::max(m, s.target);
  return m;
}

double Stages::target_at(double t) const {
  double from = 0, start = 0;
  for (const auto& s : stages_) {
    if (t < start + s.duration_s) return from + (s.target - from) * (t - start) / s.duration_s;
    start += s.duration_s;
    from = s.target;
  }
  return from;
}

double Stages::integral_to(double t) const {
  double from = 0, start = 0, sum = 0;
  for (const auto& s : stages_) {
    const double len = std::min(s.duration_s, std::max(0.0, t - start));
    // the area under the ramp from `from` over `len` of the stage's duration
    sum += len * (from + (s.target - from) * len / (2 * s.duration_s));
    if (t <= start + s.duration_s) return sum;
    start += s.duration_s;
    from = s.target;
  }
  return sum;
}

std::optional<double> Stages::time_of_integral(double a) const {
  double from = 0, start = 0, sum = 0;
  for (const auto& s : stages_) {
    const double area = s.duration_s * (from + s.target) / 2;
    if (sum + area >= a && area > 0) {
      // solve from*x + (slope/2)*x^2 = a - sum for x in [0, duration]
      const double need = a - sum, slope = (s.target - from) / s.duration_s;
      double x;
      if (std::fabs(slope) < 1e-12) {
        x = need / from;
      } else {
        const double disc = std::max(0.0, from * from + 2 * slope * need);
        x = (-from + std::sqrt(disc)) / slope;
      }
      return start + std::clamp(x, 0.0, s.duration_s);
    }
    sum += area;
    start += s.duration_s;
    from = s.target;
  }
  return std::nullopt;
}

namespace {
constexpr double kStep = 1e-9;  // a stage this short is a step: the next one starts at its target
}  // namespace

Stages Stages::constant(double target, double duration_s) {
  return Stages({{kStep, target}, {std::max(duration_s, 2 * kStep) - kStep, target}});
}

Stages Stages::retarget(double t0, double target, double ramp_s, double end_s) const {
  std::vector<Stage> out;
  double start = 0;
  for (const auto& st : stages_) {  // the plan up to t0, the stage containing t0 cut there
    if (start >= t0) break;
    const double len = std::min(st.duration_s, t0 - start);
    out.push_back({len, len == st.duration_s ? st.target : target_at(start + len)});
    start += len;
  }
  if (start < t0) out.push_back({t0 - start, target_at(t0)});  // held after the last stage
  out.push_back({std::max(ramp_s, kStep), target});
  const double held = end_s - t0 - std::max(ramp_s, kStep);
  if (held > 0) out.push_back({held, target});
  return Stages(std::move(out));
}

std::optional<Stages> parse_stages(const std::string& text, std::string& error) {
  std::vector<Stage> out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t comma = text.find(',', pos);
    const std::string item = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    const std::size_t colon = item.find(':');
    auto bad = [&](const std::string& why) -> std::optional<Stages> {
      error = "'" + item + "' " + why + " (write DURATION:TARGET,..., e.g. 30s:100,2m:1000,30s:0)";
      return std::nullopt;
    };
    if (colon == std::string::npos) return bad("has no ':'");
    const auto d = parse_duration(item.substr(0, colon));
    if (!d || d->count() <= 0) return bad("does not start with a duration");
    const std::string t = item.substr(colon + 1);
    double target = 0;
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), target);
    if (t.empty() || ec != std::errc{} || p != t.data() + t.size() || !(target >= 0) || !std::isfinite(target))
      return bad("has no target >= 0 after ':'");
    out.push_back({std::chrono::duration<double>(*d).count(), target});
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  if (out.empty()) {
    error = "no stages given (e.g. 30s:100,2m:1000,30s:0)";
    return std::nullopt;
  }
  return Stages(std::move(out));
}

nlohmann::json stages_json(const Stages& s) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& st : s.list()) a.push_back({{"duration_s", st.duration_s}, {"target", st.target}});
  return a;
}

}  // namespace lab
