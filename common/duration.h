#pragma once
// Parses durations as the CLIs accept them: "30s", "5m", "1h30m", "250ms", "1.5s", "10us";
// a bare number is seconds. Rejects empty, negative, unknown units and overflow.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace lab {

std::optional<std::chrono::nanoseconds> parse_duration(std::string_view s);
/// "1h30m", "45s", "250ms": the shortest exact form, for messages and JSON.
std::string format_duration(std::chrono::nanoseconds d);

}  // namespace lab
