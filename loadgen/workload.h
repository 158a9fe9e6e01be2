#pragma once
// What one loadgen run does: the options after parsing, shared by the engine and the writers.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "loadgen/status_set.h"

namespace lab {

enum class LoadMode { kUsers, kMax, kRate };
const char* to_string(LoadMode m);

struct Target {
  std::string host;  // IPv4 literal or "localhost"
  std::uint16_t port = 80;
  std::string path = "/";
};
/// Parses "http://127.0.0.1:8080[/path]"; false with `error` set otherwise.
bool parse_url(const std::string& url, Target& out, std::string& error);

struct Workload {
  Target target;
  std::string url;
  LoadMode mode = LoadMode::kUsers;
  int users = 1;
  double spawn_rate = 0;  // users/s; 0: all at once
  std::chrono::nanoseconds run_time{std::chrono::seconds(60)};
  double wait_min_s = 1, wait_max_s = 5;
  double rate = 0;        // rate mode: requests/s in total
  bool poisson = false;
  bool keepalive = false;
  int threads = 1;
  std::chrono::nanoseconds timeout{std::chrono::seconds(10)};
  std::uint64_t seed = 1;
  std::string label;
  StatusSet expect_status;  // which codes are successes (2xx)
};

nlohmann::json workload_json(const Workload& w);

}  // namespace lab
