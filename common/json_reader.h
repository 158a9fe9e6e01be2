#pragma once
// One typed reader for every JSON document the lab reads (results, capacity documents,
// scenarios): a Field is a value and where it sits, so every complaint names the file, the line
// and the field ("shop.json:5: requests[1].weight: must be a number >= 0"). The line is found
// only when there is a complaint, by one linear walk of the text to that field.
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace lab {

/// A document's origin: its file name, and its text when the line of a complaint can be told.
struct JsonSource {
  std::string file;
  std::string text;  // empty: complaints name no line
};

/// What a Field throws: the message names file, line and field.
struct JsonFieldError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Field {
 public:
  /// The document's root.
  Field(const nlohmann::json& j, const JsonSource& src) : j_(&j), src_(&src) {}

  [[noreturn]] void fail(const std::string& what) const;
  /// The field as the messages name it: "requests[1].weight" ("(the document)" for the root).
  std::string name() const;
  /// Its JSON pointer: "/requests/1/weight".
  const std::string& pointer() const { return ptr_; }
  const nlohmann::json& raw() const { return *j_; }

  /// Present and not null.
  bool has(const char* key) const;
  /// A member that must be present (null allowed: see opt_num).
  Field at(const char* key) const;
  /// The member, present or not (a missing one reads as null): to complain about a field
  /// that is absent or wrong in one message.
  Field slot(const char* key) const;
  /// The member if present and not null.
  std::optional<Field> get(const char* key) const;
  /// Fails naming the first member not in `known`, with the list of known ones.
  void only_keys(std::initializer_list<const char*> known) const;

  std::uint64_t u64() const;
  int i32() const;
  /// A finite number (NaN and infinities are refused).
  double num() const;
  /// A finite number in [lo, hi].
  double num_in(double lo, double hi) const;
  std::optional<double> opt_num() const;
  std::string str() const;
  bool boolean() const;
  void expect_object() const;
  template <class Fn>
  void each(Fn fn) const {
    if (!j_->is_array()) fail("must be an array");
    for (std::size_t i = 0; i < j_->size(); ++i) fn(child((*j_)[i], std::to_string(i)));
  }
  /// Every member, in document order: fn(key, field).
  template <class Fn>
  void members(Fn fn) const {
    expect_object();
    for (const auto& [k, v] : j_->items()) fn(k, child(v, k));
  }

 private:
  Field(const nlohmann::json& j, const JsonSource& src, std::string ptr) : j_(&j), src_(&src), ptr_(std::move(ptr)) {}
  Field child(const nlohmann::json& j, const std::string& key) const;
  const nlohmann::json* j_;
  const JsonSource* src_;
  std::string ptr_;
};

/// The 1-based line where the value at JSON pointer `ptr` starts in `text`, or that of its
/// nearest enclosing value present; linear in the text, whatever its nesting.
int json_line_of(const std::string& text, const std::string& ptr);
/// A JSON pointer as the messages name fields: "/requests/1/weight" -> "requests[1].weight".
std::string json_field_name(const std::string& ptr);

/// Parses `src.text`; a syntax error throws JsonFieldError "file:line: not valid JSON: ...".
nlohmann::json parse_json_source(const JsonSource& src);

}  // namespace lab
