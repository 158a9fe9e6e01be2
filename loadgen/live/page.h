#pragma once
// The live view's page: page.html with uPlot and its licence, compiled into loadgen
// (embed.cmake). Self-contained: it refers to no other host.
#include <string_view>

namespace lab {

std::string_view live_page();

}  // namespace lab
