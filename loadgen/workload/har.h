#pragma once
// A browser's recording (HAR 1.2, what every browser's devtools saves) as a sequence scenario
// (loadgen har2scenario): each kept entry a request with its method, path, the headers that
// matter and its body; the think time before each from the recording's timings; names from the
// paths with their ids collapsed (as Locust's name=), and a check that the status is the one
// recorded (as k6's converter writes). Static assets are left out unless asked.
//
// Correlation: a value a request sends that an earlier response gave (a token in a JSON body or
// a header) is a candidate for "extract"; with `correlate` each candidate is applied: the earlier
// request extracts it into a variable and the later ones send {{variable}}.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lab {

struct HarOptions {
  std::vector<std::string> include_hosts;  // empty: the first entry's host
  std::vector<std::string> exclude;        // regexes (Perl's dialect) on the URL: entries left out
  bool keep_static = false;                // keep images, scripts, styles, fonts
  bool correlate = false;                  // apply the candidates
};

/// A value a later request sends that an earlier response gave.
struct HarCandidate {
  std::string variable;              // the name proposed ({{variable}})
  std::string from;                  // the request whose response gave it
  std::string extract;               // how: {"json": "/csrf"} or {"header": "X-Token"}, as JSON text
  std::vector<std::string> used_by;  // the requests that send it, and where ("cart header X-CSRF-Token")
};

struct HarScenario {
  nlohmann::json scenario;  // the document to write
  std::vector<HarCandidate> candidates;
  std::size_t entries = 0, kept = 0;  // in the recording; turned into requests
  std::vector<std::string> left_out;  // why entries were left out, counted ("12 static assets")
};

/// Converts a HAR document's text; nullopt with `error` naming what is wrong (not JSON, not a
/// HAR, an entry without a request, nothing left after the filters).
std::optional<HarScenario> har_to_scenario(const std::string& text, const HarOptions& o, std::string& error);

}  // namespace lab
