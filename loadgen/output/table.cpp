#include "loadgen/output/table.h"

#include <sstream>

namespace lab {

namespace {

const char kStyle[] =
    "body{font-family:sans-serif;margin:24px;color:#222;max-width:1200px}\n"
    "table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}\n"
    "td.text,th.text{text-align:left}\n"
    ".warn{background:#fff3cd;border:1px solid #e0c060;padding:6px 10px}\n"
    ".lbl{font-size:11px;fill:#333}.val{font-size:10px;fill:#555}.tick{font-size:9px;fill:#666}\n"
    ".model{display:inline-block;margin:0 18px 18px 0;vertical-align:top}h3{margin:4px 0}\n";

}  // namespace

Table& Table::text(std::initializer_list<const char*> names) {
  for (const char* n : names)
    for (std::size_t i = 0; i < header.size(); ++i)
      if (header[i] == n) text_columns.insert(i);
  return *this;
}

std::string esc(const std::string& s) {
  std::string o;
  o.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '&': o += "&amp;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

std::string markdown(const Table& t) {
  std::ostringstream o;
  o << "|";
  for (const auto& h : t.header) o << " " << h << " |";
  o << "\n|";
  for (std::size_t i = 0; i < t.header.size(); ++i) o << (t.text_columns.count(i) ? "---|" : "---:|");
  o << "\n";
  for (const auto& row : t.rows) {
    o << "|";
    for (const auto& c : row) o << " " << c << " |";
    o << "\n";
  }
  return o.str();
}

std::string html(const Table& t) {
  std::ostringstream o;
  o << "<table" << (t.css_class.empty() ? "" : " class=\"" + esc(t.css_class) + "\"") << "><tr>";
  for (std::size_t i = 0; i < t.header.size(); ++i)
    o << (t.text_columns.count(i) ? "<th class=\"text\">" : "<th>") << esc(t.header[i]) << "</th>";
  o << "</tr>\n";
  for (const auto& row : t.rows) {
    o << "<tr>";
    for (std::size_t i = 0; i < row.size(); ++i)
      o << (t.text_columns.count(i) || i >= t.header.size() ? "<td class=\"text\">" : "<td>") << esc(row[i]) << "</td>";
    o << "</tr>\n";
  }
  o << "</table>\n";
  return o.str();
}

std::string html_page(const std::string& title, const std::string& body, const std::string& extra_css) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + esc(title) +
         "</title>\n<style>\n" + kStyle + extra_css + "</style></head><body>\n<h1>" + esc(title) + "</h1>\n" + body +
         "</body></html>\n";
}

}  // namespace lab
