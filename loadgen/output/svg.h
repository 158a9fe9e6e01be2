#pragma once
// Inline SVG charts for the HTML report: no script, no network. Every bar, whisker and line
// carries data-* attributes with its values, so tests (and scripts/check-report.sh) check the
// picture against the JSON.
#include <optional>
#include <string>
#include <vector>

namespace lab {

struct Bar {
  double value = 0;
  std::optional<double> lo, hi;  // whisker: the spread, when known
};
struct BarGroup {
  std::string label;      // the model
  std::vector<Bar> bars;  // one per series
};
/// Horizontal grouped bars with an axis. A log axis when the values span more than 10x.
std::string bar_chart(const std::string& id, const std::vector<BarGroup>& groups,
                      const std::vector<std::string>& series, const std::string& unit);

struct LinePoint {
  double t = 0;
  std::optional<double> v;  // a gap when absent
  bool partial = false;
};
/// A small line chart of one per-second metric; single points and gaps are drawn as dots.
std::string line_chart(const std::string& model, const std::string& title, const std::string& key,
                       const std::vector<LinePoint>& pts, const char* color);

struct XySeries {
  std::string name;
  std::vector<std::pair<double, double>> points;  // drawn as dots, joined by a line
  std::vector<std::pair<double, double>> curve;   // a fitted curve (dashed), optional
  std::optional<std::pair<double, double>> mark;  // a marked point (the knee), optional
};
/// Lines of (x, y) points, one colour per series, with axes (log when asked) and a legend.
/// Every dot carries data-series, data-x and data-y; the mark carries data-knee.
std::string xy_chart(const std::string& id, const std::vector<XySeries>& series, const std::string& x_label,
                     const std::string& y_label, bool x_log, bool y_log);

}  // namespace lab
