#pragma once
// Scenarios (--scenario FILE.json): Locust's tasks without Python. Named requests, each with its
// method, path, headers and body; picked by weight (as @task(3)) or walked in order, after an
// optional start sequence each user runs once (log in, then browse); think time for the whole
// scenario or per request. The format is in docs/loadgen.md.
//
// Without --scenario the run is a scenario of one request built from the URL and -X/--header/
// --body; only a scenario file gets per-name statistics (one name is the aggregate).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "loadgen/flow/check.h"
#include "loadgen/flow/extract.h"
#include "loadgen/shape/rng.h"
#include "loadgen/workload/request_spec.h"

#include "loadgen/shape/wait.h"

namespace lab {

/// A think time drawn uniformly from [min_s, max_s] (equal: a fixed pause), or a wait shape of
/// Locust's ("constant:2s", "pacing:5s", "poisson:2s", ...: wait.h); min_s and max_s then hold
/// its mean gap.
struct ThinkRange {
  double min_s = 0, max_s = 0;
  std::optional<WaitShape> shape;
  /// The wait as a shape: the shape, else between:min_s,max_s.
  WaitShape as_shape() const { return shape.value_or(WaitShape{WaitKind::kBetween, min_s, max_s}); }
};

struct ScenarioRequest {
  std::string name;    // unique in the scenario; the key of its statistics
  std::string target;  // path and query, encoded
  RequestSpec spec;
  double weight = 1;
  std::optional<ThinkRange> think;    // after this request, instead of the scenario's
  std::vector<CheckSpec> checks;      // "check": what makes its response right (flow/check.h)
  std::vector<ExtractSpec> extracts;  // "extract": values its response gives the user (flow/extract.h)
};

enum class ScenarioOrder { kWeighted, kSequence };

struct Scenario {
  std::string file;  // "" without --scenario
  std::string name;
  ScenarioOrder order = ScenarioOrder::kWeighted;
  std::vector<int> start;  // indexes run once per user, in order, before the loop
  std::vector<ScenarioRequest> requests;
  std::optional<ThinkRange> think;  // the scenario's think time (replaces --wait-min/--wait-max)
  std::vector<double> cumulative;   // the weights, cumulated (set by parse_scenario), for the picker

  bool from_file() const { return !file.empty(); }
  /// The variables its requests extract, each once, in order of first appearance.
  std::vector<std::string> variables() const;
  /// Any request has a think time of its own (the users' ideal schedule is then unknown).
  bool per_request_think() const;
  /// The loop's requests: weighted picks (cumulative weights) or the sequence.
  std::vector<double> cumulative_weights() const;
  nlohmann::json to_json() const;
};

/// Parses a scenario document; nullopt with `error` naming the line and field at fault.
std::optional<Scenario> parse_scenario(const std::string& text, const std::string& file, std::string& error);
/// Reads and parses FILE.
std::optional<Scenario> load_scenario(const std::string& file, std::string& error);

/// Which request a user sends next: its start sequence once, then weighted picks (drawn from the
/// user's own random stream) or the sequence in a loop. Reset when the user (re)starts.
class RequestPicker {
 public:
  RequestPicker() = default;
  explicit RequestPicker(const Scenario& s);
  void restart() { step_ = 0; }
  int next(Rng& rng);

 private:
  const Scenario* s_ = nullptr;  // (16 bytes a user: the weights are the scenario's)
  std::uint64_t step_ = 0;
};

}  // namespace lab
