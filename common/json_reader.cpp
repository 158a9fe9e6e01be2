#include "common/json_reader.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <vector>

namespace lab {

namespace {

using json = nlohmann::json;

// "~1" -> "/", "~0" -> "~" (RFC 6901), and back.
std::string escape_key(const std::string& k) {
  std::string out;
  for (char c : k) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

std::vector<std::string> split_pointer(const std::string& ptr) {
  std::vector<std::string> parts;
  std::size_t i = 0;
  while (i < ptr.size() && ptr[i] == '/') {
    const std::size_t next = ptr.find('/', i + 1);
    std::string raw = ptr.substr(i + 1, next == std::string::npos ? std::string::npos : next - i - 1);
    std::string part;
    for (std::size_t k = 0; k < raw.size(); ++k) {
      if (raw[k] == '~' && k + 1 < raw.size()) {
        part += raw[k + 1] == '1' ? '/' : '~';
        ++k;
      } else {
        part += raw[k];
      }
    }
    parts.push_back(std::move(part));
    if (next == std::string::npos) break;
    i = next;
  }
  return parts;
}

bool is_index(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Walks a JSON text once, descending only along the wanted path; every other value is skipped.
class Locator {
 public:
  explicit Locator(const std::string& t) : t_(t) {}

  int find(const std::vector<std::string>& path) {
    ws();
    int best = line_;
    for (const std::string& want : path) {
      if (i_ >= t_.size()) return best;
      const char c = t_[i_];
      if (c != '{' && c != '[') return best;
      ++i_;
      bool found = false;
      for (std::size_t index = 0;; ++index) {
        ws();
        if (i_ >= t_.size() || t_[i_] == '}' || t_[i_] == ']') return best;
        if (t_[i_] == ',') {
          ++i_;
          ws();
        }
        std::string key = std::to_string(index);
        if (c == '{') {
          if (i_ >= t_.size() || t_[i_] != '"') return best;
          key = str();
          ws();
          if (i_ < t_.size() && t_[i_] == ':') ++i_;
          ws();
        }
        if (key == want) {
          found = true;
          break;
        }
        skip_value();
      }
      if (!found) return best;
      best = line_;
    }
    return best;
  }

 private:
  void ws() {
    while (i_ < t_.size() && std::isspace(static_cast<unsigned char>(t_[i_]))) {
      if (t_[i_] == '\n') ++line_;
      ++i_;
    }
  }
  // A string at i_ (its opening quote), decoded for the simple escapes; i_ after its closing quote.
  std::string str() {
    std::string out;
    for (++i_; i_ < t_.size() && t_[i_] != '"'; ++i_) {
      if (t_[i_] == '\\' && i_ + 1 < t_.size()) {
        ++i_;
        const char e = t_[i_];
        out += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
        continue;
      }
      if (t_[i_] == '\n') ++line_;
      out += t_[i_];
    }
    ++i_;
    return out;
  }
  // Skips one value of any kind, nesting included, with an explicit depth (no recursion).
  void skip_value() {
    int depth = 0;
    do {
      ws();
      if (i_ >= t_.size()) return;
      const char c = t_[i_];
      if (c == '"') {
        str();
      } else if (c == '{' || c == '[') {
        ++depth;
        ++i_;
        continue;
      } else if (c == '}' || c == ']') {
        --depth;
        ++i_;
      } else if (c == ',' || c == ':') {
        ++i_;
        continue;
      } else {
        while (i_ < t_.size() && std::string_view(",]}: \t\r\n").find(t_[i_]) == std::string_view::npos) ++i_;
      }
    } while (depth > 0 && i_ < t_.size());
  }

  const std::string& t_;
  std::size_t i_ = 0;
  int line_ = 1;
};

int line_at_byte(const std::string& text, std::size_t byte) {
  byte = std::min(byte, text.size());
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(byte), '\n'));
}

}  // namespace

int json_line_of(const std::string& text, const std::string& ptr) { return Locator(text).find(split_pointer(ptr)); }

std::string json_field_name(const std::string& ptr) {
  std::string out;
  for (const std::string& part : split_pointer(ptr)) {
    if (is_index(part))
      out += "[" + part + "]";
    else
      out += (out.empty() ? "" : ".") + part;
  }
  return out.empty() ? "(the document)" : out;
}

void Field::fail(const std::string& what) const {
  std::string where = src_->file;
  if (!src_->text.empty()) where += ":" + std::to_string(json_line_of(src_->text, ptr_));
  throw JsonFieldError(where + ": " + name() + ": " + what);
}

std::string Field::name() const { return json_field_name(ptr_); }

Field Field::child(const json& j, const std::string& key) const {
  return Field(j, *src_, ptr_ + "/" + escape_key(key));
}

void Field::expect_object() const {
  if (!j_->is_object()) fail("must be an object");
}

bool Field::has(const char* key) const { return j_->is_object() && j_->contains(key) && !j_->at(key).is_null(); }

Field Field::at(const char* key) const {
  expect_object();
  if (!j_->contains(key)) child(*j_, key).fail("is missing");
  return child(j_->at(key), key);
}

Field Field::slot(const char* key) const {
  static const json kNull;
  return child(j_->is_object() && j_->contains(key) ? j_->at(key) : kNull, key);
}

std::optional<Field> Field::get(const char* key) const {
  if (!has(key)) return std::nullopt;
  return child(j_->at(key), key);
}

void Field::only_keys(std::initializer_list<const char*> known) const {
  expect_object();
  for (const auto& [k, v] : j_->items()) {
    if (std::any_of(known.begin(), known.end(), [&k = k](const char* a) { return k == a; })) continue;
    std::vector<std::string> sorted(known.begin(), known.end());
    std::sort(sorted.begin(), sorted.end());
    std::string list;
    for (const auto& a : sorted) list += (list.empty() ? "" : ", ") + a;
    child(v, k).fail("is not a field here (known: " + list + ")");
  }
}

std::uint64_t Field::u64() const {
  if (!j_->is_number_unsigned() && !(j_->is_number_integer() && j_->get<std::int64_t>() >= 0))
    fail("must be a non-negative integer");
  return j_->get<std::uint64_t>();
}

int Field::i32() const {
  if (!j_->is_number_integer()) fail("must be an integer");
  const auto v = j_->get<std::int64_t>();
  if (v < INT32_MIN || v > INT32_MAX) fail("is out of range");
  return static_cast<int>(v);
}

double Field::num() const {
  if (!j_->is_number()) fail("must be a number");
  const double v = j_->get<double>();
  if (!std::isfinite(v)) fail("must be finite");
  return v;
}

double Field::num_in(double lo, double hi) const {
  const double v = num();
  if (v < lo || v > hi) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "must be between %g and %g", lo, hi);
    fail(buf);
  }
  return v;
}

std::optional<double> Field::opt_num() const { return j_->is_null() ? std::nullopt : std::optional<double>(num()); }

std::string Field::str() const {
  if (!j_->is_string()) fail("must be a string");
  return j_->get<std::string>();
}

bool Field::boolean() const {
  if (!j_->is_boolean()) fail("must be true or false");
  return j_->get<bool>();
}

json parse_json_source(const JsonSource& src) {
  try {
    return json::parse(src.text);
  } catch (const json::parse_error& e) {
    std::string what = e.what();
    if (auto p = what.find("syntax error"); p != std::string::npos) what = what.substr(p);
    throw JsonFieldError(src.file + ":" + std::to_string(line_at_byte(src.text, e.byte ? e.byte - 1 : 0)) +
                         ": not valid JSON: " + what);
  } catch (const json::exception& e) {  // e.g. a number too large for a double ("1e999")
    std::string what = e.what();
    if (auto p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
    throw JsonFieldError(src.file + ": not valid JSON: " + what);
  }
}

}  // namespace lab
