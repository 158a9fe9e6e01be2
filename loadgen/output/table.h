#pragma once
// One table type for every table the lab writes (the summary and its detail tables, the report's
// errors and client tables, the capacity answer), one Markdown writer, one HTML writer, and the
// one page shell every HTML output shares.
#include <cstddef>
#include <initializer_list>
#include <set>
#include <string>
#include <vector>

namespace lab {

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::set<std::size_t> text_columns = {0};  // left-aligned; the other columns hold numbers
  std::string css_class;                     // HTML: the table's class (for scripts and tests)
  /// Marks the columns with these headers as text.
  Table& text(std::initializer_list<const char*> names);
};

/// A Markdown table: numbers right-aligned, text left.
std::string markdown(const Table& t);
/// An HTML table, every cell escaped.
std::string html(const Table& t);
/// HTML-escapes text.
std::string esc(const std::string& s);
/// The page shell of every HTML output: doctype, title, the shared style (plus `extra_css`),
/// a heading, then `body`. No script, no external reference.
std::string html_page(const std::string& title, const std::string& body, const std::string& extra_css = "");

}  // namespace lab
