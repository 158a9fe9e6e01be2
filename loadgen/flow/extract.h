#pragma once
// A scenario request's extractions (its "extract" object): values a response gives that later
// requests of the same user send as {{name}} ("correlation": a CSRF token, an order id, a bearer
// token).
//
//   "extract": {"token": {"json": "/token"}, "order": {"regex": "order-(\\d+)"},
//               "csrf": {"header": "X-CSRF-Token"}, "sid": {"cookie": "session"}}
//
// json: a JSON Pointer into the body (a string as it is, a number or boolean as its JSON text, an
// object or array as JSON; null is no value); regex: Perl's dialect, its first group (the whole
// match without a group); header: the first header of that name; cookie: the value of the
// user's cookie of that name after this response's cookies are stored.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/json_reader.h"
#include "loadgen/flow/check.h"
#include "loadgen/flow/cookie_jar.h"
#include "loadgen/flow/reply.h"

namespace lab {

struct ExtractSpec {
  enum class From { kJson, kRegex, kHeader, kCookie };
  std::string variable;
  From from = From::kJson;
  std::string what;  // the pointer, header or cookie name (a regex's text)
  std::shared_ptr<const Pattern> re;
  bool needs_body() const { return from == From::kJson || from == From::kRegex; }
};

/// A request's "extract" object; throws JsonFieldError naming the field at fault.
std::vector<ExtractSpec> parse_extracts(const Field& f);

/// Where an extraction by cookie looks: the user's jar, for the request's host.
struct JarView {
  CookieJar* jar = nullptr;
  std::string_view host;
  bool https = false;
  double now_s = 0;
};

/// The value, or nullopt with `why` ("no /token in the body", "no X-CSRF-Token header").
std::optional<std::string> run_extract(const ExtractSpec& e, const Reply& r, const JarView& jar, std::string& why);

}  // namespace lab
