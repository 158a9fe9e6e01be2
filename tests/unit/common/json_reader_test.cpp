// One typed JSON reader for results, capacity documents and scenarios: complaints name the
// file, the line and the field, and finding the line costs one linear walk of the text.
#include <gtest/gtest.h>

#include <string>

#include "common/json_reader.h"

namespace lab {
namespace {

std::string complaint(const std::string& text, const std::function<void(const Field&)>& read) {
  const JsonSource src{"doc.json", text};
  try {
    const nlohmann::json j = parse_json_source(src);
    read(Field(j, src));
  } catch (const JsonFieldError& e) {
    return e.what();
  }
  return "(no complaint)";
}

TEST(JsonReader, ComplaintsNameFileLineAndField) {
  const std::string text = "{\n  \"a\": 1,\n  \"list\": [\n    {\"x\": 1},\n    {\"x\": \"two\"}\n  ]\n}\n";
  EXPECT_EQ(complaint(text, [](const Field& f) { f.at("list").each([](const Field& e) { (void)e.at("x").u64(); }); }),
            "doc.json:5: list[1].x: must be a non-negative integer");
  EXPECT_EQ(complaint(text, [](const Field& f) { (void)f.at("missing"); }), "doc.json:1: missing: is missing");
  EXPECT_EQ(complaint(text, [](const Field& f) { f.only_keys({"a"}); }),
            "doc.json:3: list: is not a field here (known: a)");
  // a number no double holds is refused as JSON, not thrown past the reader
  EXPECT_EQ(complaint("{\"n\": 1e999}", [](const Field& f) { (void)f.at("n").num(); }),
            "doc.json: not valid JSON: number overflow parsing '1e999'");
  EXPECT_EQ(complaint("{\n\"v\": 7}", [](const Field& f) { (void)f.at("v").num_in(0, 5); }),
            "doc.json:2: v: must be between 0 and 5");
  EXPECT_EQ(complaint("{\n  \"a\": [1,\n", [](const Field&) {}).rfind("doc.json:3: not valid JSON", 0), 0u);
}

// Keys holding '/' or '~' are escaped in the pointer and found again.
TEST(JsonReader, KeysWithSlashesAndTildes) {
  const std::string text = "{\n\"a/b\": {\n\"c~d\": true}}";
  EXPECT_EQ(complaint(text, [](const Field& f) { (void)f.at("a/b").at("c~d").str(); }),
            "doc.json:3: a/b.c~d: must be a string");
}

// A mistake after a deeply nested value: the old line map built a pointer string per nested
// value (quadratic: 16 KB cost 1.2 s and 166 MB) and recursed once per level (a stack overflow
// at this depth). The locator walks the text once, with no recursion.
TEST(JsonReader, DeepNestingCostsOneWalk) {
  const int depth = 300000;
  std::string text = "{\"requests\": " + std::string(depth, '[') + std::string(depth, ']') + ",\n\"bogus\": 1}";
  EXPECT_EQ(json_line_of(text, "/bogus"), 2);
  EXPECT_EQ(json_line_of(text, "/requests/0/0/0"), 1);
}

}  // namespace
}  // namespace lab
