#include "loadgen/flow/check.h"

#include <algorithm>
#include <stdexcept>

#include <boost/regex.hpp>

#include "common/format.h"

namespace lab {

struct Pattern::Compiled {
  boost::regex re;
};

Pattern::Pattern(const std::string& text) : text_(text) {
  try {
    re_ = std::make_unique<Compiled>(Compiled{boost::regex(text, boost::regex::perl)});
  } catch (const boost::regex_error& e) {
    throw std::invalid_argument(e.what());
  }
}
Pattern::~Pattern() = default;
Pattern::Pattern(Pattern&&) noexcept = default;
Pattern& Pattern::operator=(Pattern&&) noexcept = default;

std::size_t Pattern::groups() const { return re_->re.mark_count(); }

bool Pattern::search(const std::string& s, std::size_t group, std::string& out, std::string& error) const {
  try {
    boost::smatch m;
    if (!boost::regex_search(s, m, re_->re)) return false;
    if (group >= m.size() || !m[static_cast<int>(group)].matched) return false;
    out = m[static_cast<int>(group)].str();
    return true;
  } catch (const std::runtime_error& e) {  // Boost gives up on a search too costly for the text
    error = std::string("the regex search gave up: ") + e.what();
    return false;
  }
}

namespace {

std::string statuses_text(const std::vector<int>& v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i)
    out += (i == 0 ? "" : i + 1 == v.size() ? " or " : ", ") + std::to_string(v[i]);
  return out;
}

std::string shown(const std::string& s) {  // a value in a message: bounded, one line
  std::string t = s.size() > 60 ? s.substr(0, 60) + "..." : s;
  std::replace_if(
      t.begin(), t.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
  return "\"" + t + "\"";
}

std::string before_params(const std::string& v) {
  std::string_view s(v);
  s = s.substr(0, s.find(';'));
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

std::vector<CheckSpec> parse_checks(const Field& f) {
  if (!f.raw().is_object() || f.raw().empty())
    f.fail("must be an object of checks, e.g. {\"status\": [200], \"body_contains\": \"Order placed\"}");
  f.only_keys({"status", "body_contains", "body_regex", "json", "header", "max_ms"});
  std::vector<CheckSpec> out;
  if (const auto st = f.get("status")) {
    CheckSpec c;
    c.kind = CheckSpec::Kind::kStatus;
    c.name = "status";
    auto one = [&](const Field& x) {
      if (!x.raw().is_number_integer() || x.raw().get<long long>() < 100 || x.raw().get<long long>() > 999)
        x.fail("must be a status code from 100 to 999");
      c.statuses.push_back(x.i32());
    };
    if (st->raw().is_array()) {
      if (st->raw().empty()) st->fail("must list at least one status code");
      st->each(one);
    } else {
      one(*st);
    }
    out.push_back(std::move(c));
  }
  f.members([&](const std::string& key, const Field& v) {
    CheckSpec c;
    c.name = key;
    if (key == "status") return;
    if (key == "body_contains") {
      if (!v.raw().is_string() || v.str().empty()) v.fail("must be the text the body must hold");
      c.kind = CheckSpec::Kind::kBodyContains;
      c.text = v.str();
      out.push_back(std::move(c));
    } else if (key == "body_regex") {
      if (!v.raw().is_string() || v.str().empty()) v.fail("must be a regular expression (Perl's dialect)");
      c.kind = CheckSpec::Kind::kBodyRegex;
      try {
        c.re = std::make_shared<const Pattern>(v.str());
      } catch (const std::invalid_argument& e) {
        v.fail(std::string("is not a regular expression: ") + e.what());
      }
      out.push_back(std::move(c));
    } else if (key == "json") {
      if (!v.raw().is_object() || v.raw().empty())
        v.fail("must be an object of JSON Pointers and wanted values, e.g. {\"/status\": \"ok\"}");
      v.members([&](const std::string& ptr, const Field& want) {
        CheckSpec j;
        j.kind = CheckSpec::Kind::kJson;
        j.name = "json " + ptr;
        if (!ptr.empty() && ptr[0] != '/') want.fail("'" + ptr + "' is not a JSON Pointer (write \"/" + ptr + "\")");
        try {
          (void)nlohmann::json::json_pointer(ptr);
        } catch (const nlohmann::json::exception& e) {
          want.fail("'" + ptr + "' is not a JSON Pointer: " + e.what());
        }
        j.text = ptr;
        if (want.raw().is_object() && want.raw().size() == 1 && want.raw().contains("exists")) {
          if (!want.raw()["exists"].is_boolean()) want.at("exists").fail("must be true or false");
          j.exists_only = true;
          j.must_exist = want.raw()["exists"].get<bool>();
        } else {
          j.want = want.raw();
        }
        out.push_back(std::move(j));
      });
    } else if (key == "header") {
      if (!v.raw().is_object() || v.raw().empty())
        v.fail("must be an object of header names and values, e.g. {\"Content-Type\": \"application/json\"}");
      v.members([&](const std::string& name, const Field& want) {
        if (name.empty()) want.fail("names no header");
        if (!want.raw().is_string()) want.fail("must be the header's value as text");
        CheckSpec h;
        h.kind = CheckSpec::Kind::kHeader;
        h.name = "header " + name;
        h.text = name;
        h.header_value = want.str();
        out.push_back(std::move(h));
      });
    } else if (key == "max_ms") {
      c.kind = CheckSpec::Kind::kMaxMs;
      c.max_ms = v.num_in(0, 86400e3);
      out.push_back(std::move(c));
    }
  });
  return out;
}

std::string run_check(const CheckSpec& c, const Reply& r) {
  switch (c.kind) {
    case CheckSpec::Kind::kStatus:
      if (std::find(c.statuses.begin(), c.statuses.end(), r.status()) != c.statuses.end()) return {};
      return "got " + std::to_string(r.status()) + ", want " + statuses_text(c.statuses);
    case CheckSpec::Kind::kBodyContains:
      if (r.body().find(c.text) != std::string::npos) return {};
      return "the body does not hold " + shown(c.text);
    case CheckSpec::Kind::kBodyRegex: {
      std::string m, err;
      if (c.re->search(r.body(), 0, m, err)) return {};
      return err.empty() ? "the body does not match /" + c.re->text() + "/" : err;
    }
    case CheckSpec::Kind::kJson: {
      const nlohmann::json* j = r.json();
      if (!j) return "the body is not JSON";
      const nlohmann::json::json_pointer p(c.text);
      const bool there = j->contains(p);
      if (c.exists_only) {
        if (there == c.must_exist) return {};
        return there ? "it is there, want it absent" : "it is absent";
      }
      if (!there) return "it is absent, want " + c.want.dump();
      if (j->at(p) == c.want) return {};
      std::string got = j->at(p).dump();
      if (got.size() > 60) got = got.substr(0, 60) + "...";
      return "got " + got + ", want " + c.want.dump();
    }
    case CheckSpec::Kind::kHeader: {
      const std::string* v = r.capture().header(c.text);
      if (!v) return "no " + c.text + " header";
      if (*v == c.header_value || before_params(*v) == c.header_value) return {};
      return "got " + shown(*v) + ", want " + shown(c.header_value);
    }
    case CheckSpec::Kind::kMaxMs:
      if (r.elapsed_ms() <= c.max_ms) return {};
      return "took " + fixed(r.elapsed_ms(), "%.1f") + " ms, want at most " + fixed(c.max_ms, "%.1f") + " ms";
  }
  return "?";
}

}  // namespace lab
