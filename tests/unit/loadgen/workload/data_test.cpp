// Request data: CSV and JSON lines read with their errors named, placeholders found plain and
// URL-encoded, and filled (percent-encoded in a target).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "loadgen/workload/data.h"
#include "loadgen/workload/scenario.h"

namespace lab {
namespace {

TEST(Data, CsvKeepsQuotedCommasQuotesAndLineBreaks) {
  std::string err;
  auto d = parse_data("id,note\r\n1,\"a, b\"\r\n2,\"say \"\"hi\"\"\"\r\n\r\n3,\"two\nlines\"\n", "d.csv", false, err);
  ASSERT_TRUE(d) << err;
  EXPECT_EQ(d->columns, (std::vector<std::string>{"id", "note"}));
  ASSERT_EQ(d->row_count(), 3u);
  EXPECT_EQ(d->value(0, 1), "a, b");
  EXPECT_EQ(d->value(1, 1), "say \"hi\"");
  EXPECT_EQ(d->value(2, 1), "two\nlines");
  EXPECT_EQ(d->value(2, 0), "3");
  EXPECT_FALSE(parse_data("id\n1\n\"open\n", "d.csv", false, err));
  EXPECT_EQ(err, "d.csv:3: a quoted field is not closed");
  EXPECT_FALSE(parse_data("id,id\n1,2\n", "d.csv", false, err));
  EXPECT_EQ(err, "d.csv:1: column 'id' appears twice");
  EXPECT_FALSE(parse_data("id\n1\"x\n", "d.csv", false, err));
  EXPECT_NE(err.find("d.csv:2: a quote inside an unquoted field"), std::string::npos) << err;
  EXPECT_FALSE(parse_data("", "d.csv", false, err));
  EXPECT_NE(err.find("d.csv: empty"), std::string::npos);
  EXPECT_FALSE(load_data("/nonexistent/d.csv", err));
  EXPECT_EQ(err, "/nonexistent/d.csv: cannot be read (No such file or directory)");
}

TEST(Data, JsonLinesTakeTheFirstLinesKeys) {
  std::string err;
  auto d = parse_data("{\"sku\": \"a1\", \"qty\": 2}\n\n{\"sku\": \"b2\", \"qty\": 5}\n", "d.jsonl", true, err);
  ASSERT_TRUE(d) << err;
  EXPECT_EQ(d->columns, (std::vector<std::string>{"qty", "sku"}));
  EXPECT_EQ(d->value(1, 0), "5");
  EXPECT_EQ(d->value(1, 1), "b2");
  EXPECT_FALSE(parse_data("{\"sku\": \"a\"}\n{\"qty\": 1}\n", "d.jsonl", true, err));
  EXPECT_EQ(err, "d.jsonl:2: no 'sku' (every line has the first line's keys)");
  EXPECT_FALSE(parse_data("{\"sku\": [1]}\n", "d.jsonl", true, err));
  EXPECT_EQ(err, "d.jsonl:1: 'sku' must be a string or a number");
}

TEST(Data, PlaceholdersAreFoundPlainAndEncodedAndFilled) {
  DataSet d;
  d.file = "d.csv";
  d.columns = {"id", "q"};
  auto table = std::make_shared<DataTable>(2);
  table->add({"7", "a b/c"});
  d.table = table;
  EXPECT_EQ(placeholders("/x/%7B%7Bid%7D%7D?q={{ q }}"), (std::vector<std::string>{"id", "q"}));
  EXPECT_EQ(fill("/x/%7b%7bid%7d%7d?q={{q}}", d, 0, true), "/x/7?q=a%20b/c");
  EXPECT_EQ(fill("q={{q}}&none={{nope}}", d, 0, false), "q=a b/c&none={{nope}}");
  EXPECT_EQ(fill("no holes {{", d, 0, false), "no holes {{");
  Scenario s;
  ScenarioRequest r;
  r.name = "r";
  r.target = "/x";
  r.spec.headers = {{"X-Q", "{{q}}"}};
  s.requests.push_back(r);
  EXPECT_EQ(check_placeholders(s, &d), "");
  table->add({"8", "two\nlines"});
  EXPECT_EQ(check_placeholders(s, &d), "d.csv: row 2's 'q' holds a line break, which cannot go into the header X-Q");
}

}  // namespace
}  // namespace lab

namespace lab {
namespace {

// Excel's "CSV UTF-8" starts with a byte-order mark: the first column keeps its own name (it was
// refused with a message that showed an invisible character).
TEST(Data, AByteOrderMarkIsNotPartOfTheFirstColumn) {
  const std::string file =
      (std::filesystem::temp_directory_path() / ("loadlab-bom-" + std::to_string(::getpid()) + ".csv")).string();
  std::ofstream(file, std::ios::binary) << "\xEF\xBB\xBFid,name\r\n1,a\r\n";
  std::string err;
  const auto d = load_data(file, err);
  std::filesystem::remove(file);
  ASSERT_TRUE(d) << err;
  EXPECT_EQ(d->columns, (std::vector<std::string>{"id", "name"}));
  ASSERT_EQ(d->row_count(), 1u);
}

}  // namespace
}  // namespace lab
