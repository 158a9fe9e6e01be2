#include "loadgen/workload/data.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/output_file.h"
#include "loadgen/workload/scenario.h"
#include "loadgen/workload/url.h"

namespace lab {

bool DataTable::add(const std::vector<std::string>& row) {
  for (const auto& v : row) {
    if (text_.size() + v.size() > UINT32_MAX) return false;
    text_ += v;
    ends_.push_back(static_cast<std::uint32_t>(text_.size()));
  }
  return true;
}

nlohmann::json DataSet::to_json() const {
  return {{"file", file},
          {"columns", columns},
          {"rows", row_count()},
          {"per", per == DataPer::kUser ? "user" : "request"},
          {"order", order == DataOrder::kRandom ? "random" : "round-robin"}};
}

namespace {

std::string at_line(const std::string& file, int line) { return file + ":" + std::to_string(line) + ": "; }

// RFC 4180 records: fields split by commas, a quoted field may hold commas, quotes ("") and
// line breaks. Each record goes to on_record(its first line, its fields) as it is read (a record
// the callback refuses ends the reading: false). `error` says what is wrong.
template <class OnRecord>
bool csv_records(const std::string& text, const std::string& file, std::string& error, OnRecord on_record) {
  std::vector<std::string> rec;
  std::string field;
  bool quoted = false, was_quoted = false, any = false;
  int line = 1, rec_line = 1;
  auto end_field = [&] {
    rec.push_back(std::move(field));
    field.clear();
    was_quoted = false;
  };
  auto end_record = [&] {
    end_field();
    const bool blank = rec.size() == 1 && rec[0].empty();  // blank lines skip
    const bool taken = blank || on_record(rec_line, rec);
    rec.clear();
    any = false;
    return taken;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (!any) rec_line = line;
    any = true;
    if (c == '"' && field.empty() && !was_quoted) {
      quoted = was_quoted = true;
    } else if (c == '"') {
      error =
          at_line(file, line) + "a quote inside an unquoted field (quote the field and double the quote: \"a\"\"b\")";
      return false;
    } else if (c == ',') {
      end_field();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      continue;
    } else if (c == '\n') {
      if (!end_record()) return false;
      ++line;
    } else if (was_quoted) {
      error = at_line(file, line) + "text after a quoted field's closing quote";
      return false;
    } else {
      field += c;
    }
  }
  if (quoted) {
    error = at_line(file, rec_line) + "a quoted field is not closed";
    return false;
  }
  return !any || end_record();
}

}  // namespace

std::optional<DataSet> parse_data(const std::string& text, const std::string& file, bool json_lines,
                                  std::string& error) {
  DataSet d;
  d.file = file;
  std::unique_ptr<DataTable> table;
  auto too_big = [&] {
    error = file + ": more than 4 GiB of values";
    return false;
  };
  auto check_columns = [&](int line) {
    std::set<std::string> seen;
    for (const auto& c : d.columns) {
      if (c.empty() || c.find_first_of("{} \t") != std::string::npos) {
        error = at_line(file, line) + "column '" + c + "' is not a name a placeholder can use (letters, digits, _ . -)";
        return false;
      }
      if (!seen.insert(c).second) {
        error = at_line(file, line) + "column '" + c + "' appears twice";
        return false;
      }
    }
    return true;
  };
  if (json_lines) {
    std::istringstream in(text);
    std::string l;
    int line = 0;
    while (std::getline(in, l)) {
      ++line;
      if (l.find_first_not_of(" \t\r") == std::string::npos) continue;
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(l);
      } catch (const std::exception& e) {
        error = at_line(file, line) + "not JSON: " + e.what();
        return std::nullopt;
      }
      if (!j.is_object() || j.empty()) {
        error = at_line(file, line) + "each line must be a JSON object with the row's values";
        return std::nullopt;
      }
      if (d.columns.empty()) {
        for (const auto& [k, v] : j.items()) d.columns.push_back(k);
        if (!check_columns(line)) return std::nullopt;
        table = std::make_unique<DataTable>(d.columns.size());
      }
      std::vector<std::string> row;
      for (const auto& c : d.columns) {
        if (!j.contains(c)) {
          error = at_line(file, line) + "no '" + c + "' (every line has the first line's keys)";
          return std::nullopt;
        }
        const auto& v = j.at(c);
        if (v.is_string())
          row.push_back(v.get<std::string>());
        else if (v.is_number() || v.is_boolean())
          row.push_back(v.dump());
        else {
          error = at_line(file, line) + "'" + c + "' must be a string or a number";
          return std::nullopt;
        }
      }
      if (j.size() != d.columns.size()) {
        error = at_line(file, line) + "keys beyond the first line's (every line has the same keys)";
        return std::nullopt;
      }
      if (!table->add(row) && !too_big()) return std::nullopt;
    }
  } else {
    bool header = true;
    const bool read = csv_records(text, file, error, [&](int line, const std::vector<std::string>& fields) {
      if (header) {
        header = false;
        d.columns = fields;
        if (!check_columns(line)) return false;
        table = std::make_unique<DataTable>(d.columns.size());
        table->reserve(text.size(),
                       static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) * fields.size());
        return true;
      }
      if (fields.size() != d.columns.size()) {
        error = at_line(file, line) + std::to_string(fields.size()) + " fields, the header has " +
                std::to_string(d.columns.size());
        return false;
      }
      return table->add(fields) || too_big();
    });
    if (!read) return std::nullopt;
    if (header) {
      error = file + ": empty (a header row of column names, then one row per request or user)";
      return std::nullopt;
    }
  }
  if (table) d.table = std::move(table);
  if (d.row_count() == 0) {
    error = file + ": no rows (a header row of column names, then one row per request or user)";
    return std::nullopt;
  }
  return d;
}

std::optional<DataSet> load_data(const std::string& file, std::string& error) {
  std::string text, why;
  if (!read_file(file, text, why)) {
    error = file + ": cannot be read (" + why + ")";
    return std::nullopt;
  }
  auto ends = [&](const char* ext) {
    const std::string e = ext;
    return file.size() >= e.size() && file.compare(file.size() - e.size(), e.size(), e) == 0;
  };
  // A UTF-8 byte-order mark (Excel's "CSV UTF-8" writes one) is not part of the first column's name.
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
  return parse_data(text, file, ends(".jsonl") || ends(".ndjson"), error);
}

namespace {

// Each placeholder in `text`: its position, length and name.
struct Hole {
  std::size_t at, length;
  std::string name;
};
std::vector<Hole> holes(const std::string& text) {
  std::vector<Hole> out;
  auto ieq = [&](std::size_t at, const char* lit) {
    for (std::size_t k = 0; lit[k]; ++k)
      if (at + k >= text.size() ||
          std::toupper(static_cast<unsigned char>(text[at + k])) != static_cast<unsigned char>(lit[k]))
        return false;
    return true;
  };
  for (std::size_t i = 0; i < text.size();) {
    const bool plain = text.compare(i, 2, "{{") == 0, encoded = !plain && ieq(i, "%7B%7B");
    if (!plain && !encoded) {
      ++i;
      continue;
    }
    const std::size_t open = plain ? 2 : 6;
    const std::size_t close = plain ? text.find("}}", i + open) : std::string::npos;
    std::size_t end = close;
    if (encoded)
      for (std::size_t k = i + open; k < text.size(); ++k)
        if (ieq(k, "%7D%7D")) {
          end = k;
          break;
        }
    if (end == std::string::npos) break;
    std::string name = text.substr(i + open, end - i - open);
    const std::size_t trim_a = name.find_first_not_of(' '), trim_b = name.find_last_not_of(' ');
    name = trim_a == std::string::npos ? "" : name.substr(trim_a, trim_b - trim_a + 1);
    out.push_back({i, end + (plain ? 2 : 6) - i, name});
    i = end + (plain ? 2 : 6);
  }
  return out;
}

}  // namespace

std::vector<std::string> placeholders(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& h : holes(text)) out.push_back(h.name);
  return out;
}

std::string fill_with(const std::string& text, const ValueOf& value, bool target) {
  std::string out;
  std::size_t from = 0;
  for (const auto& h : holes(text)) {
    out.append(text, from, h.at - from);
    if (const auto v = value(h.name)) {
      if (target)
        out += encode_target(std::string(*v));
      else
        out += *v;
    } else {
      out.append(text, h.at, h.length);  // (check_placeholders refuses these before a run)
    }
    from = h.at + h.length;
  }
  out.append(text, from, std::string::npos);
  return out;
}

std::string fill(const std::string& text, const DataSet& data, std::size_t row, bool target) {
  return fill_with(
      text,
      [&](const std::string& name) -> std::optional<std::string_view> {
        const auto it = std::find(data.columns.begin(), data.columns.end(), name);
        if (it == data.columns.end()) return std::nullopt;
        return data.value(row, static_cast<std::size_t>(it - data.columns.begin()));
      },
      target);
}

std::string check_placeholders(const Scenario& s, const DataSet* data) {
  const std::vector<std::string> vars = s.variables();
  auto is_var = [&](const std::string& n) { return std::find(vars.begin(), vars.end(), n) != vars.end(); };
  if (data)
    for (const auto& c : data->columns)
      if (is_var(c))
        return "'" + c + "' is both a column of " + data->file +
               " and a variable a request extracts: rename one (a placeholder must have one source)";
  std::set<std::string> used;
  for (const auto& r : s.requests) {
    std::vector<std::pair<std::string, std::string>> places = {{"path", r.target}, {"body", r.spec.body}};
    for (const auto& [k, v] : r.spec.headers) places.emplace_back("header " + k, v);
    for (const auto& [where, text] : places)
      for (const auto& name : placeholders(text)) {
        if (is_var(name)) continue;  // the user's own value, set by an earlier response
        const std::string at = "{{" + name + "}} in the " + where + " of request '" + r.name + "'";
        if (!data)
          return at + " has no value: give --data FILE with a column '" + name +
                 "', or extract it from an earlier response (\"extract\": {\"" + name + "\": ...})";
        if (std::find(data->columns.begin(), data->columns.end(), name) == data->columns.end()) {
          std::string cols;
          for (const auto& c : data->columns) cols += (cols.empty() ? "" : ", ") + c;
          return at + " is not a column of " + data->file + " (its columns: " + cols +
                 ") nor a variable a request extracts";
        }
        used.insert(name);
        if (where == "body") continue;
        const auto col = static_cast<std::size_t>(std::find(data->columns.begin(), data->columns.end(), name) -
                                                  data->columns.begin());
        for (std::size_t i = 0; i < data->row_count(); ++i)
          if (data->value(i, col).find_first_of("\r\n") != std::string::npos)
            return data->file + ": row " + std::to_string(i + 1) + "'s '" + name +
                   "' holds a line break, which cannot go into the " + where;
      }
  }
  if (data && used.empty()) {
    std::string cols;
    for (const auto& c : data->columns) cols += (cols.empty() ? "" : ", ") + c;
    return data->file + " fills nothing: no request has a placeholder for its columns (" + cols +
           "); write {{column}} in a path, header or body";
  }
  return "";
}

}  // namespace lab
