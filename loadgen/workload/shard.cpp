#include "loadgen/workload/shard.h"

#include <cctype>
#include <charconv>
#include <cstdio>
#include <ctime>

namespace lab {

namespace {

std::optional<long long> whole(const std::string& s) {
  long long v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
long long days_from_civil(long long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

}  // namespace

std::optional<ShardSpec> parse_shard(const std::string& text, std::string& error) {
  const auto slash = text.find('/');
  const auto i = slash == std::string::npos ? std::nullopt : whole(text.substr(0, slash));
  const auto n = slash == std::string::npos ? std::nullopt : whole(text.substr(slash + 1));
  if (!i || !n || *n < 1 || *n > 100000 || *i < 0 || *i >= *n) {
    error = "'" + text + "' is not I/N with 0 <= I < N (e.g. --shard 0/3 for the first of three)";
    return std::nullopt;
  }
  return ShardSpec{static_cast<int>(*i), static_cast<int>(*n), "--shard"};
}

std::optional<ShardSpec> shard_from_environment(const std::function<const char*(const char*)>& getenv, int count_flag,
                                                std::string& error) {
  struct Pair {
    const char *rank, *size;
  };
  // Kubernetes first: an Indexed Job's pod carries only its index.
  if (const char* idx = getenv("JOB_COMPLETION_INDEX")) {
    if (count_flag < 1) {
      error = "JOB_COMPLETION_INDEX=" + std::string(idx) +
              " is set (a Kubernetes Indexed Job) but not the shard count: add --shard-count N (the Job's completions)";
      return std::nullopt;
    }
    auto s = parse_shard(std::string(idx) + "/" + std::to_string(count_flag), error);
    if (!s) {
      error = "JOB_COMPLETION_INDEX with --shard-count: " + error;
      return std::nullopt;
    }
    s->source = "JOB_COMPLETION_INDEX";
    return s;
  }
  for (const Pair p : {Pair{"SLURM_PROCID", "SLURM_NTASKS"}, Pair{"OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"},
                       Pair{"PMI_RANK", "PMI_SIZE"}}) {
    const char* rank = getenv(p.rank);
    if (!rank) continue;
    const char* size = getenv(p.size);
    const std::string count = size ? size : (count_flag > 0 ? std::to_string(count_flag) : "");
    auto s = parse_shard(std::string(rank) + "/" + count, error);
    if (!s) {
      error = std::string(p.rank) + "=" + rank + " and " + p.size + "=" + (size ? size : "(unset)") + ": " + error;
      return std::nullopt;
    }
    s->source = p.rank;
    return s;
  }
  return std::nullopt;
}

std::optional<std::chrono::system_clock::time_point> parse_start_at(const std::string& text, std::string& error) {
  using namespace std::chrono;
  const auto bad = [&]() -> std::optional<system_clock::time_point> {
    error = "'" + text + "' is not a time: use RFC 3339 (2026-11-27T09:00:00Z) or Unix seconds (1795856400)";
    return std::nullopt;
  };
  // Unix seconds, possibly fractional
  if (!text.empty() && text.find_first_not_of("0123456789.") == std::string::npos) {
    double v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || p != text.data() + text.size()) return bad();
    return system_clock::time_point(duration_cast<system_clock::duration>(duration<double>(v)));
  }
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, used = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &used) != 6 || used != 19)
    return bad();
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return bad();
  std::string rest = text.substr(19);
  double frac = 0;
  if (!rest.empty() && rest[0] == '.') {
    std::size_t n = 1;
    while (n < rest.size() && std::isdigit(static_cast<unsigned char>(rest[n]))) ++n;
    if (n == 1) return bad();
    frac = std::stod("0" + rest.substr(0, n));
    rest = rest.substr(n);
  }
  long long offset_s = 0;
  if (rest == "Z" || rest == "z") {
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
    const auto oh = whole(rest.substr(1, 2)), om = whole(rest.substr(4, 2));
    if (!oh || !om || *oh > 23 || *om > 59) return bad();
    offset_s = (rest[0] == '+' ? 1 : -1) * (*oh * 3600 + *om * 60);
  } else {
    return bad();
  }
  const long long days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  const double t = static_cast<double>(days * 86400 + h * 3600 + mi * 60 + sec - offset_s) + frac;
  return system_clock::time_point(duration_cast<system_clock::duration>(duration<double>(t)));
}

double epoch_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

}  // namespace lab
