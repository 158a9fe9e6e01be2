// The live view's page: self-contained (no other host), uPlot with its licence, and the events it
// follows.
#include "loadgen/live/page.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>

namespace lab {
namespace {

TEST(LivePage, ReferstoNoOtherHost) {
  const std::string page(live_page());
  ASSERT_GT(page.size(), 40'000u);  // the page with uPlot compiled in
  for (const char* scheme : {"http://", "https://", "//cdn", "ws://", "wss://"})
    EXPECT_EQ(page.find(scheme), std::string::npos) << "the page refers to " << scheme;
  // src= and href= are relative to the listener or absent
  const std::regex external(R"re((src|href)\s*=\s*["'][a-z]+:)re", std::regex::icase);
  EXPECT_FALSE(std::regex_search(page, external));
}

TEST(LivePage, CarriesUplotWithItsLicenceAndFollowsTheEvents) {
  const std::string page(live_page());
  EXPECT_NE(page.find("The MIT License"), std::string::npos);
  EXPECT_NE(page.find("uPlot"), std::string::npos);
  EXPECT_NE(page.find("new EventSource(\"events\")"), std::string::npos);
  EXPECT_EQ(page.find("/*UPLOT_JS*/"), std::string::npos);  // spliced in
  EXPECT_EQ(page.find("/*UPLOT_CSS*/"), std::string::npos);
}

}  // namespace
}  // namespace lab
