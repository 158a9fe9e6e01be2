// One table type, written as Markdown and as HTML: numbers right, text left, every cell escaped.
#include <gtest/gtest.h>

#include "loadgen/output/table.h"

namespace lab {
namespace {

TEST(Table, MarkdownAndHtmlAlignTextLeftAndNumbersRight) {
  Table t{{"model", "requests/s", "status"}, {{"epoll", "3,153.8", "ok <fine>"}}, {0}, "summary"};
  t.text({"status"});
  EXPECT_EQ(markdown(t), "| model | requests/s | status |\n|---|---:|---|\n| epoll | 3,153.8 | ok <fine> |\n");
  const std::string h = html(t);
  EXPECT_NE(h.find("<table class=\"summary\">"), std::string::npos) << h;
  EXPECT_NE(h.find("<td class=\"text\">epoll</td><td>3,153.8</td><td class=\"text\">ok &lt;fine&gt;</td>"),
            std::string::npos)
      << h;
  const std::string page = html_page("A & B", "<p>x</p>");
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(page.find("<title>A &amp; B</title>"), std::string::npos);
  EXPECT_EQ(page.find("http"), std::string::npos) << "no external reference";
}

}  // namespace
}  // namespace lab
