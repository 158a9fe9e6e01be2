#pragma once
// One response as a scenario's checks and extractions read it: its status, its kept headers and
// body (common/http/response_parser.h's capture) and how long it took; its body parsed as JSON
// once, when the first JSON check or extraction asks.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/http/response_parser.h"

namespace lab {

class Reply {
 public:
  Reply(int status, const ResponseCapture& capture, double elapsed_ms)
      : status_(status), capture_(capture), elapsed_ms_(elapsed_ms) {}
  int status() const { return status_; }
  double elapsed_ms() const { return elapsed_ms_; }
  const ResponseCapture& capture() const { return capture_; }
  const std::string& body() const { return capture_.body; }
  /// The body as JSON, or nullptr when it is not JSON (or was cut at the bound).
  const nlohmann::json* json() const {
    if (!parsed_) {
      parsed_ = true;
      if (!capture_.body_over) {
        json_ = nlohmann::json::parse(capture_.body, nullptr, false);
        if (json_.is_discarded())
          json_ = nlohmann::json();
        else
          ok_ = true;
      }
    }
    return ok_ ? &json_ : nullptr;
  }

 private:
  int status_;
  const ResponseCapture& capture_;
  double elapsed_ms_;
  mutable bool parsed_ = false, ok_ = false;
  mutable nlohmann::json json_;
};

}  // namespace lab
