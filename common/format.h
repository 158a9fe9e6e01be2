#pragma once
// Number formatting shared by every loadgen output (status line, tables, report, compare).
#include <optional>
#include <string>

namespace lab {

/// 1234567.8 -> "1,234,568" (rounded; negatives keep their sign).
std::string commas(double v);
/// printf-style formatting of one number: fixed(3.14159, "%.2f") -> "3.14".
std::string fixed(double v, const char* format);
/// A latency in ms for tables: 3 decimals below 100, 1 above; "-" when absent.
std::string ms(const std::optional<double>& v);
/// A rate in requests/s: whole numbers with commas from 100 up, 3 significant digits below.
std::string rps_text(double v);
/// A value with about 3 significant digits for axes and compact cells: 0.0123, 1.23, 123, 12.3k.
std::string short_num(double v);

}  // namespace lab
