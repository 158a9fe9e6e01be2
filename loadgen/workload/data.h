#pragma once
// Request data (--data FILE.csv or FILE.jsonl): rows whose columns fill {{column}} placeholders
// in a request's path, header values and body, as Gatling's feeders and k6's SharedArray do.
// Each row's requests are built once before the run (the bytes stay prebuilt); a user takes a
// row per request or keeps one (--data-per), in turn or at random (--data-order).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace lab {

struct Scenario;

enum class DataPer { kRequest, kUser };
enum class DataOrder { kRoundRobin, kRandom };

struct DataSet {
  std::string file;  // as given; "" without --data
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;  // each as `columns`
  DataPer per = DataPer::kRequest;
  DataOrder order = DataOrder::kRoundRobin;

  bool given() const { return !file.empty(); }
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
/// `text` with each placeholder replaced by the row's value; in a URL target the value is
/// percent-encoded where HTTP forbids its characters.
std::string fill(const std::string& text, const DataSet& data, const std::vector<std::string>& row, bool target);

/// Checks the scenario's placeholders against the data: "" or the message (a placeholder
/// without --data or not a column, a data file whose columns fill nothing, a value with a line
/// break bound for a path or header).
std::string check_placeholders(const Scenario& s, const DataSet* data);

}  // namespace lab
