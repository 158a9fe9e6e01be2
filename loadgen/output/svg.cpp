#include "loadgen/output/svg.h"

#include "loadgen/output/table.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "common/format.h"

namespace lab {

namespace {

const char* kColors[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1"};

// An axis of a chart: lo..hi on a linear or log scale, value -> fraction or pixel, and its ticks.
struct Axis {
  bool log = false;
  double lo = 0, hi = 1;
  double frac(double v) const {
    if (log) return (std::log10(std::max(v, lo)) - std::log10(lo)) / (std::log10(hi) - std::log10(lo));
    return (v - lo) / (hi - lo);
  }
  double at(double v, double width) const { return width * frac(v); }
  std::vector<double> ticks() const {
    std::vector<double> t;
    if (log) {
      if (!(lo > 0) || !(hi >= lo)) return t;  // (a decade loop from 0 never ends)
      for (double d = std::pow(10, std::floor(std::log10(lo))); d <= hi * 1.0001; d *= 10)
        if (d >= lo * 0.9999) t.push_back(d);
      return t;
    }
    const double raw = (hi - lo) / 4, mag = std::pow(10, std::floor(std::log10(raw)));
    const double step = raw / mag >= 5 ? 5 * mag : raw / mag >= 2 ? 2 * mag : mag;
    for (double v = std::ceil(lo / step) * step; v <= hi * 1.0001; v += step) t.push_back(v);
    return t;
  }
};

Axis scale_for(const std::vector<BarGroup>& groups) {
  double lo = 0, hi = 0;
  bool any = false;
  for (const auto& g : groups)
    for (const auto& b : g.bars)
      for (double v : {b.value, b.lo.value_or(b.value), b.hi.value_or(b.value)}) {
        if (v <= 0) continue;
        lo = any ? std::min(lo, v) : v;
        hi = any ? std::max(hi, v) : v;
        any = true;
      }
  Axis s;
  if (!any) return s;
  if (hi / lo > 10) {
    s.log = true;
    s.lo = std::pow(10, std::floor(std::log10(lo)));
    s.hi = std::pow(10, std::ceil(std::log10(hi)));
  } else {
    s.hi = hi * 1.1;
  }
  return s;
}

}  // namespace

std::string bar_chart(const std::string& id, const std::vector<BarGroup>& groups,
                      const std::vector<std::string>& series, const std::string& unit) {
  const Axis sc = scale_for(groups);
  const int bar_h = 14, gap = 10, left = 130, width = 520, top = 8;
  const int group_h = static_cast<int>(series.size()) * bar_h + gap;
  const int plot_h = static_cast<int>(groups.size()) * group_h;
  const int h = top + plot_h + 44;
  std::ostringstream o;
  o << "<svg id=\"" << id << "\" class=\"chart\" width=\"" << left + width + 60 << "\" height=\"" << h
    << "\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" data-scale=\"" << (sc.log ? "log" : "linear") << "\">\n";
  for (double t : sc.ticks()) {  // grid and tick labels
    const double x = left + sc.at(t, width);
    o << "<line x1=\"" << fixed(x, "%.1f") << "\" y1=\"" << top << "\" x2=\"" << fixed(x, "%.1f") << "\" y2=\""
      << top + plot_h << "\" stroke=\"#ddd\"/><text x=\"" << fixed(x, "%.1f") << "\" y=\"" << top + plot_h + 14
      << "\" text-anchor=\"middle\" class=\"tick\">" << esc(short_num(t)) << "</text>\n";
  }
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const int y0 = top + static_cast<int>(g) * group_h;
    o << "<text x=\"" << left - 6 << "\" y=\"" << y0 + group_h / 2 << "\" text-anchor=\"end\" class=\"lbl\">"
      << esc(groups[g].label) << "</text>\n";
    for (std::size_t s = 0; s < groups[g].bars.size() && s < series.size(); ++s) {
      const Bar& b = groups[g].bars[s];
      const int w = std::max(1, static_cast<int>(sc.at(b.value, width) + 0.5));
      const int y = y0 + static_cast<int>(s) * bar_h;
      o << "<rect class=\"bar\" data-model=\"" << esc(groups[g].label) << "\" data-series=\"" << esc(series[s])
        << "\" data-value=\"" << fixed(b.value, "%.6g") << "\" x=\"" << left << "\" y=\"" << y << "\" width=\"" << w
        << "\" height=\"" << bar_h - 2 << "\" fill=\"" << kColors[s % 7] << "\"/>";
      int label_x = left + w + 4;
      if (b.lo && b.hi) {  // whisker: the spread
        const double x1 = left + sc.at(*b.lo, width), x2 = left + sc.at(*b.hi, width);
        const double ym = y + (bar_h - 2) / 2.0;
        o << "<g class=\"whisker\" data-model=\"" << esc(groups[g].label) << "\" data-series=\"" << esc(series[s])
          << "\" data-lo=\"" << fixed(*b.lo, "%.6g") << "\" data-hi=\"" << fixed(*b.hi, "%.6g") << "\" stroke=\"#222\">"
          << "<line x1=\"" << fixed(x1, "%.1f") << "\" y1=\"" << fixed(ym, "%.1f") << "\" x2=\"" << fixed(x2, "%.1f")
          << "\" y2=\"" << fixed(ym, "%.1f") << "\"/><line x1=\"" << fixed(x1, "%.1f") << "\" y1=\"" << y + 2
          << "\" x2=\"" << fixed(x1, "%.1f") << "\" y2=\"" << y + bar_h - 4 << "\"/><line x1=\"" << fixed(x2, "%.1f")
          << "\" y1=\"" << y + 2 << "\" x2=\"" << fixed(x2, "%.1f") << "\" y2=\"" << y + bar_h - 4 << "\"/></g>";
        label_x = std::max(label_x, static_cast<int>(x2) + 4);
      }
      o << "<text x=\"" << label_x << "\" y=\"" << y + bar_h - 4 << "\" class=\"val\">" << esc(short_num(b.value))
        << "</text>\n";
    }
  }
  int lx = left;  // legend and unit
  for (std::size_t s = 0; s < series.size() && series.size() > 1; ++s) {
    o << "<rect x=\"" << lx << "\" y=\"" << h - 16 << "\" width=\"10\" height=\"10\" fill=\"" << kColors[s % 7]
      << "\"/>"
      << "<text x=\"" << lx + 14 << "\" y=\"" << h - 7 << "\" class=\"lbl\">" << esc(series[s]) << "</text>";
    lx += 90;
  }
  o << "<text x=\"" << left + width << "\" y=\"" << h - 7 << "\" text-anchor=\"end\" class=\"lbl\">" << esc(unit)
    << (sc.log ? " (log scale)" : "") << "</text></svg>\n";
  return o.str();
}

std::string line_chart(const std::string& model, const std::string& title, const std::string& key,
                       const std::vector<LinePoint>& pts, const char* color) {
  const int w = 300, h = 110, pad = 34;
  double maxv = 0, maxt = 1;
  for (const auto& p : pts) {
    if (p.v) maxv = std::max(maxv, *p.v);
    maxt = std::max(maxt, p.t);
  }
  if (maxv <= 0) maxv = 1;
  auto x_of = [&](double t) { return pad + (w - pad - 8) * (t / maxt); };
  auto y_of = [&](double v) { return h - 18 - (h - 30) * (v / maxv); };
  std::ostringstream o, data, line, dots;
  std::string partial;
  int run = 0;  // points in the current unbroken stretch
  for (const auto& p : pts) {
    data << (data.tellp() > 0 ? "," : "") << (p.v ? fixed(*p.v, "%.6g") : std::string("null"));
    if (p.partial) partial = fixed(p.t, "%g");
    if (!p.v) {
      run = 0;
      continue;
    }
    line << (run == 0 ? "M" : "L") << fixed(x_of(p.t), "%.1f") << "," << fixed(y_of(*p.v), "%.1f") << " ";
    ++run;
    dots << "<circle cx=\"" << fixed(x_of(p.t), "%.1f") << "\" cy=\"" << fixed(y_of(*p.v), "%.1f") << "\" r=\""
         << (p.partial ? 2.5 : 1.6) << "\" fill=\"" << (p.partial ? "white" : color) << "\" stroke=\"" << color
         << "\"/>";
  }
  o << "<svg class=\"series\" width=\"" << w << "\" height=\"" << h << "\" xmlns=\"http://www.w3.org/2000/svg\">"
    << "<text x=\"" << pad << "\" y=\"11\" class=\"lbl\">" << esc(title) << "</text>"
    << "<text x=\"" << pad - 3 << "\" y=\"" << fixed(y_of(maxv) + 4, "%.1f") << "\" text-anchor=\"end\" class=\"tick\">"
    << esc(short_num(maxv)) << "</text>"
    << "<line x1=\"" << pad << "\" y1=\"" << h - 18 << "\" x2=\"" << w - 8 << "\" y2=\"" << h - 18
    << "\" stroke=\"#999\"/>"
    << "<text x=\"" << w - 8 << "\" y=\"" << h - 4 << "\" text-anchor=\"end\" class=\"tick\">" << esc(short_num(maxt))
    << " s</text>"
    << "<path fill=\"none\" stroke=\"" << color << "\" stroke-width=\"1.5\" data-model=\"" << esc(model)
    << "\" data-metric=\"" << esc(key) << "\" data-values=\"" << data.str() << "\""
    << (partial.empty() ? "" : " data-partial-second=\"" + partial + "\"") << " d=\"" << line.str() << "\"/>"
    << dots.str() << "</svg>";
  return o.str();
}

namespace {

Axis axis_for(const std::vector<double>& vs, bool log) {
  Axis a;
  a.log = log;
  double lo = 0, hi = 0;
  bool any = false;
  for (double v : vs) {
    if (log && v <= 0) continue;
    lo = any ? std::min(lo, v) : v;
    hi = any ? std::max(hi, v) : v;
    any = true;
  }
  if (!any) {  // nothing to draw (a search without a sweep): an empty axis, 1-10 when logarithmic
    if (log) a.lo = 1, a.hi = 10;
    return a;
  }
  if (log) {
    a.lo = std::pow(10, std::floor(std::log10(lo)));
    a.hi = std::pow(10, std::ceil(std::log10(hi)));
    if (a.hi <= a.lo) a.hi = a.lo * 10;
  } else {
    a.lo = 0;
    a.hi = hi > 0 ? hi * 1.1 : 1;
  }
  return a;
}

}  // namespace

std::string xy_chart(const std::string& id, const std::vector<XySeries>& series, const std::string& x_label,
                     const std::string& y_label, bool x_log, bool y_log) {
  std::vector<double> xs, ys;
  for (const auto& s : series) {
    for (const auto& [x, y] : s.points) {
      xs.push_back(x);
      ys.push_back(y);
    }
    for (const auto& [x, y] : s.curve) {
      xs.push_back(x);
      ys.push_back(y);
    }
  }
  const Axis ax = axis_for(xs, x_log), ay = axis_for(ys, y_log);
  const int left = 60, top = 10, w = 560, h = 300, legend_w = 130;
  auto px = [&](double x) { return left + w * ax.frac(x); };
  auto py = [&](double y) { return top + h - h * ay.frac(y); };
  std::ostringstream o;
  o << "<svg id=\"" << id << "\" class=\"chart\" width=\"" << left + w + legend_w << "\" height=\"" << top + h + 40
    << "\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" data-x-scale=\"" << (x_log ? "log" : "linear")
    << "\" data-y-scale=\"" << (y_log ? "log" : "linear") << "\">\n";
  for (double t : ax.ticks())
    o << "<line x1=\"" << fixed(px(t), "%.1f") << "\" y1=\"" << top << "\" x2=\"" << fixed(px(t), "%.1f") << "\" y2=\""
      << top + h << "\" stroke=\"#eee\"/><text x=\"" << fixed(px(t), "%.1f") << "\" y=\"" << top + h + 13
      << "\" text-anchor=\"middle\" class=\"tick\">" << esc(short_num(t)) << "</text>\n";
  for (double t : ay.ticks())
    o << "<line x1=\"" << left << "\" y1=\"" << fixed(py(t), "%.1f") << "\" x2=\"" << left + w << "\" y2=\""
      << fixed(py(t), "%.1f") << "\" stroke=\"#eee\"/><text x=\"" << left - 4 << "\" y=\"" << fixed(py(t) + 3, "%.1f")
      << "\" text-anchor=\"end\" class=\"tick\">" << esc(short_num(t)) << "</text>\n";
  o << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << w << "\" height=\"" << h
    << "\" fill=\"none\" stroke=\"#999\"/>\n";
  for (std::size_t i = 0; i < series.size(); ++i) {
    const XySeries& s = series[i];
    const char* color = kColors[i % 7];
    const char* dash = i / 7 % 2 ? " stroke-dasharray=\"6,2\"" : "";
    if (!s.curve.empty()) {
      o << "<path fill=\"none\" stroke=\"" << color << "\" stroke-width=\"1\" stroke-dasharray=\"3,3\" data-series=\""
        << esc(s.name) << "\" data-curve=\"usl\" d=\"";
      for (std::size_t k = 0; k < s.curve.size(); ++k)
        o << (k ? "L" : "M") << fixed(px(s.curve[k].first), "%.1f") << "," << fixed(py(s.curve[k].second), "%.1f")
          << " ";
      o << "\"/>\n";
    }
    if (!s.points.empty()) {
      o << "<path fill=\"none\" stroke=\"" << color << "\" stroke-width=\"1.5\"" << dash << " d=\"";
      for (std::size_t k = 0; k < s.points.size(); ++k)
        o << (k ? "L" : "M") << fixed(px(s.points[k].first), "%.1f") << "," << fixed(py(s.points[k].second), "%.1f")
          << " ";
      o << "\"/>\n";
    }
    for (const auto& [x, y] : s.points)
      o << "<circle cx=\"" << fixed(px(x), "%.1f") << "\" cy=\"" << fixed(py(y), "%.1f") << "\" r=\"2.5\" fill=\""
        << color << "\" data-series=\"" << esc(s.name) << "\" data-x=\"" << fixed(x, "%.6g") << "\" data-y=\""
        << fixed(y, "%.6g") << "\"/>";
    if (s.mark)
      o << "<circle cx=\"" << fixed(px(s.mark->first), "%.1f") << "\" cy=\"" << fixed(py(s.mark->second), "%.1f")
        << "\" r=\"6\" fill=\"none\" stroke=\"" << color << "\" stroke-width=\"2\" data-series=\"" << esc(s.name)
        << "\" data-knee=\"" << fixed(s.mark->first, "%.6g") << "\"/>";
    o << "<rect x=\"" << left + w + 10 << "\" y=\"" << top + 4 + static_cast<int>(i) * 14
      << "\" width=\"10\" height=\"10\" fill=\"" << color << "\"/><text x=\"" << left + w + 24 << "\" y=\""
      << top + 13 + static_cast<int>(i) * 14 << "\" class=\"lbl\">" << esc(s.name) << "</text>\n";
  }
  o << "<text x=\"" << left + w / 2 << "\" y=\"" << top + h + 32 << "\" text-anchor=\"middle\" class=\"lbl\">"
    << esc(x_label) << (x_log ? " (log)" : "") << "</text><text x=\"12\" y=\"" << top + h / 2
    << "\" class=\"lbl\" transform=\"rotate(-90 12 " << top + h / 2 << ")\" text-anchor=\"middle\">" << esc(y_label)
    << (y_log ? " (log)" : "") << "</text></svg>\n";
  return o.str();
}

}  // namespace lab
