#include "loadgen/flow/extract.h"

#include <stdexcept>

namespace lab {

std::vector<ExtractSpec> parse_extracts(const Field& f) {
  if (!f.raw().is_object() || f.raw().empty())
    f.fail("must be an object of variables, e.g. {\"token\": {\"json\": \"/token\"}}");
  std::vector<ExtractSpec> out;
  f.members([&](const std::string& var, const Field& v) {
    if (var.empty() || var.find_first_of("{} \t\r\n") != std::string::npos)
      v.fail("'" + var + "' is not a variable name (no braces or spaces: it is used as {{" + var + "}})");
    if (!v.raw().is_object() || v.raw().size() != 1)
      v.fail(
          "must say where the value is: {\"json\": \"/token\"}, {\"regex\": \"order-(\\\\d+)\"}, "
          "{\"header\": \"X-CSRF-Token\"} or {\"cookie\": \"session\"}");
    v.only_keys({"json", "regex", "header", "cookie"});
    ExtractSpec e;
    e.variable = var;
    // (the one member's key and value copied out: a reference into items()' temporary proxy
    // dangles, as ASan's stack-use-after-scope showed)
    const std::string how = v.raw().begin().key();
    const nlohmann::json& what = v.raw().begin().value();
    const Field w = v.at(how.c_str());
    if (!what.is_string() || (what.get<std::string>().empty() && how != "json")) w.fail("must be a non-empty string");
    e.what = w.str();
    if (how == "json") {
      e.from = ExtractSpec::From::kJson;
      try {
        (void)nlohmann::json::json_pointer(e.what);
      } catch (const nlohmann::json::exception& ex) {
        w.fail("'" + e.what + "' is not a JSON Pointer (\"/token\", \"/items/0/id\"): " + ex.what());
      }
    } else if (how == "regex") {
      e.from = ExtractSpec::From::kRegex;
      try {
        e.re = std::make_shared<const Pattern>(e.what);
      } catch (const std::invalid_argument& ex) {
        w.fail(std::string("is not a regular expression: ") + ex.what());
      }
    } else if (how == "header") {
      e.from = ExtractSpec::From::kHeader;
    } else {
      e.from = ExtractSpec::From::kCookie;
    }
    out.push_back(std::move(e));
  });
  return out;
}

std::optional<std::string> run_extract(const ExtractSpec& e, const Reply& r, const JarView& jar, std::string& why) {
  switch (e.from) {
    case ExtractSpec::From::kJson: {
      const nlohmann::json* j = r.json();
      if (!j) {
        why = r.capture().body_over ? "the body is longer than --max-body" : "the body is not JSON";
        return std::nullopt;
      }
      const nlohmann::json::json_pointer p(e.what);
      if (!j->contains(p) || j->at(p).is_null()) {
        why = "no " + e.what + " in the body";
        return std::nullopt;
      }
      const nlohmann::json& v = j->at(p);
      return v.is_string() ? v.get<std::string>() : v.dump();
    }
    case ExtractSpec::From::kRegex: {
      std::string out, err;
      if (e.re->search(r.body(), e.re->groups() > 0 ? 1 : 0, out, err)) return out;
      why = err.empty() ? "the body does not match /" + e.what + "/" : err;
      return std::nullopt;
    }
    case ExtractSpec::From::kHeader: {
      if (const std::string* v = r.capture().header(e.what)) return *v;
      why = "no " + e.what + " header";
      return std::nullopt;
    }
    case ExtractSpec::From::kCookie: {
      if (jar.jar)
        if (auto v = jar.jar->value_of(e.what, jar.host, jar.https, jar.now_s)) return v;
      why = jar.jar ? "no cookie " + e.what : "no cookie " + e.what + " (cookies are off: --no-cookies)";
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace lab
