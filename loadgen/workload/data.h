#pragma once
// Request data (--data FILE.csv or FILE.jsonl): rows whose columns fill {{column}} placeholders
// in a request's path, header values and body, as Gatling's feeders and k6's SharedArray do.
// Each row's requests are built once before the run (the bytes stay prebuilt); a user takes a
// row per request or keeps one (--data-per), in turn or at random (--data-order).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace lab {

struct Scenario;

enum class DataPer { kRequest, kUser };
enum class DataOrder { kRoundRobin, kRandom };

/// The rows' values in one buffer, each cell a range of it: a million rows of two short values
/// hold the values' bytes and 8 bytes a row, not a string and a vector each (405 MB for a 17.8 MB
/// file before).
class DataTable {
 public:
  explicit DataTable(std::size_t columns) : columns_(columns) {}
  std::size_t rows() const { return columns_ ? ends_.size() / columns_ : 0; }
  std::string_view at(std::size_t row, std::size_t col) const {
    const std::size_t i = row * columns_ + col;
    const std::uint32_t begin = i ? ends_[i - 1] : 0;
    return std::string_view(text_).substr(begin, ends_[i] - begin);
  }
  /// Appends a row of `columns` values; false when the values would pass 4 GiB in all.
  bool add(const std::vector<std::string>& row);
  /// Room for the values of a file of `bytes` bytes and about `cells` cells (its values are at
  /// most its bytes): the table then grows without copying itself.
  void reserve(std::size_t bytes, std::size_t cells) {
    text_.reserve(bytes);
    ends_.reserve(cells);
  }

 private:
  std::size_t columns_;
  std::string text_;
  std::vector<std::uint32_t> ends_;  // each cell's end in text_
};

struct DataSet {
  std::string file;  // as given; "" without --data
  std::vector<std::string> columns;
  /// The rows (each as `columns`), shared by every copy of the workload: read-only once loaded.
  std::shared_ptr<const DataTable> table;
  DataPer per = DataPer::kRequest;
  DataOrder order = DataOrder::kRoundRobin;

  bool given() const { return !file.empty(); }
  std::size_t row_count() const { return table ? table->rows() : 0; }
  std::string_view value(std::size_t row, std::size_t col) const { return table->at(row, col); }
  /// What the result records: the file, its columns and row count, per and order (never the
  /// values: they may be credentials).
  nlohmann::json to_json() const;
};

/// Reads FILE: CSV (RFC 4180: a header row, quoted fields with "" for a quote, CRLF or LF), or
/// JSON lines (.jsonl/.ndjson: one object a line, string or number values, the same keys on
/// every line). nullopt with `error` naming the file, the line and what is wrong (no rows, a
/// row with the wrong number of fields, a duplicate or empty column name, ...).
std::optional<DataSet> load_data(const std::string& file, std::string& error);
std::optional<DataSet> parse_data(const std::string& text, const std::string& file, bool json_lines,
                                  std::string& error);

/// The placeholders of `text`: each {{name}} (also as a URL-encoded %7B%7Bname%7D%7D).
std::vector<std::string> placeholders(const std::string& text);
/// A placeholder's value by name (a data column's, a user's variable), or nullopt.
using ValueOf = std::function<std::optional<std::string_view>(const std::string&)>;
/// `text` with each placeholder replaced by its value (one without a value stays as written); in
/// a URL target the value is percent-encoded where HTTP forbids its characters.
std::string fill_with(const std::string& text, const ValueOf& value, bool target);
/// `text` with each placeholder replaced by row `row`'s value.
std::string fill(const std::string& text, const DataSet& data, std::size_t row, bool target);

/// Checks the scenario's placeholders against the data: "" or the message (a placeholder
/// without --data or not a column, a data file whose columns fill nothing, a value with a line
/// break bound for a path or header).
std::string check_placeholders(const Scenario& s, const DataSet* data);

}  // namespace lab
