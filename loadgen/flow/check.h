#pragma once
// A scenario request's checks (its "check" object): what makes a response right beyond its
// status class, as Locust's catch_response and k6's check() do. A request whose check fails is a
// failure of kind `check`; each check's passes and fails are counted (the result's `checks`).
//
//   "check": {"status": [200, 201], "body_contains": "Order placed", "body_regex": "id=\\d+",
//             "json": {"/status": "ok", "/items/0/id": 7, "/token": {"exists": true}},
//             "header": {"Content-Type": "application/json"}, "max_ms": 500}
//
// body_regex is Perl's dialect (Boost.Regex), found anywhere in the body; json keys are JSON
// Pointers (RFC 6901) and values compare as JSON (7 equals 7.0), {"exists": true|false} asks only
// whether the member is there; a header's value matches when it, or its part before the first
// ';' (a media type's parameters), equals the text; max_ms bounds the response time.
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/json_reader.h"
#include "loadgen/flow/reply.h"

namespace lab {

/// A compiled body_regex (or an extraction's regex): Boost.Regex's Perl dialect.
class Pattern {
 public:
  /// Throws std::invalid_argument with Boost's words when `text` is not a regex.
  explicit Pattern(const std::string& text);
  ~Pattern();
  Pattern(Pattern&&) noexcept;
  Pattern& operator=(Pattern&&) noexcept;
  const std::string& text() const { return text_; }
  /// The first match in `s`: true with group `group`'s text in `out` (the whole match for 0);
  /// `error` set (and false) when the search gave up (a pattern too costly for this text).
  bool search(const std::string& s, std::size_t group, std::string& out, std::string& error) const;
  /// Groups in the pattern.
  std::size_t groups() const;

 private:
  std::string text_;
  struct Compiled;  // Boost's regex, kept out of the header
  std::unique_ptr<Compiled> re_;
};

struct CheckSpec {
  enum class Kind { kStatus, kBodyContains, kBodyRegex, kJson, kHeader, kMaxMs };
  Kind kind = Kind::kStatus;
  std::string name;  // as results name it: status, body_contains, body_regex, json /token, header Content-Type, max_ms
  std::vector<int> statuses;
  std::string text;                             // body_contains's text, a header's name, a JSON pointer
  std::shared_ptr<const Pattern> re;            // body_regex
  nlohmann::json want;                          // json: the value wanted
  bool exists_only = false, must_exist = true;  // json {"exists": ...}
  std::string header_value;
  double max_ms = 0;
  /// Reads the body (so the request's body must be kept).
  bool needs_body() const { return kind == Kind::kBodyContains || kind == Kind::kBodyRegex || kind == Kind::kJson; }
};

/// A request's "check" object, in its fields' order (status first whatever its place); throws
/// JsonFieldError naming the field at fault.
std::vector<CheckSpec> parse_checks(const Field& f);
/// "" when the check holds, else what it saw against what it wanted ("got 500, want 200 or 201").
std::string run_check(const CheckSpec& c, const Reply& r);

}  // namespace lab
