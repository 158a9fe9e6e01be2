#include "loadgen/report.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "loadgen/summary.h"

namespace lab {

namespace {

std::string esc(const std::string& s) {
  std::string o;
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

std::string f(double v, const char* fmt = "%.3f") {
  char b[48];
  std::snprintf(b, sizeof b, fmt, v);
  return b;
}

const char* kColors[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1"};

// Horizontal bars, one group per model, one bar per series.
std::string bar_chart(const std::string& id, const std::vector<std::string>& models,
                      const std::vector<std::string>& series, const std::vector<std::vector<double>>& values,
                      const std::string& unit) {
  double maxv = 0;
  for (const auto& row : values)
    for (double v : row) maxv = std::max(maxv, v);
  if (maxv <= 0) maxv = 1;
  const int bar_h = 14, gap = 10, left = 110, width = 520;
  const int group_h = static_cast<int>(series.size()) * bar_h + gap;
  const int h = static_cast<int>(models.size()) * group_h + 30;
  std::ostringstream o;
  o << "<svg id=\"" << id << "\" class=\"chart\" width=\"" << left + width + 90 << "\" height=\"" << h
    << "\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\">\n";
  for (std::size_t m = 0; m < models.size(); ++m) {
    int y0 = static_cast<int>(m) * group_h + 5;
    o << "<text x=\"" << left - 6 << "\" y=\"" << y0 + group_h / 2 << "\" text-anchor=\"end\" class=\"lbl\">" << esc(models[m])
      << "</text>\n";
    for (std::size_t s = 0; s < series.size(); ++s) {
      double v = values[m][s];
      int w = static_cast<int>(v / maxv * width + 0.5);
      int y = y0 + static_cast<int>(s) * bar_h;
      o << "<rect class=\"bar\" data-model=\"" << esc(models[m]) << "\" data-series=\"" << esc(series[s])
        << "\" data-value=\"" << f(v, "%.6g") << "\" x=\"" << left << "\" y=\"" << y << "\" width=\"" << std::max(w, 1)
        << "\" height=\"" << bar_h - 2 << "\" fill=\"" << kColors[s % 7] << "\"/>";
      o << "<text x=\"" << left + w + 4 << "\" y=\"" << y + bar_h - 4 << "\" class=\"val\">" << f(v, v >= 100 ? "%.0f" : "%.3f")
        << "</text>\n";
    }
  }
  // legend
  int lx = left;
  for (std::size_t s = 0; s < series.size() && series.size() > 1; ++s) {
    o << "<rect x=\"" << lx << "\" y=\"" << h - 18 << "\" width=\"10\" height=\"10\" fill=\"" << kColors[s % 7] << "\"/>"
      << "<text x=\"" << lx + 14 << "\" y=\"" << h - 9 << "\" class=\"lbl\">" << esc(series[s]) << "</text>";
    lx += 90;
  }
  o << "<text x=\"" << left + width + 85 << "\" y=\"" << h - 9 << "\" text-anchor=\"end\" class=\"lbl\">" << esc(unit) << "</text>";
  o << "</svg>\n";
  return o.str();
}

// One line chart per metric of a model's per-second series.
std::string line_chart(const std::string& model, const std::string& metric, const nlohmann::json& series,
                       const char* key, const char* color) {
  const int w = 300, h = 110, pad = 28;
  double maxv = 0;
  int maxt = 1;
  for (const auto& p : series) {
    maxv = std::max(maxv, p[key].get<double>());
    maxt = std::max(maxt, p["t"].get<int>());
  }
  if (maxv <= 0) maxv = 1;
  std::ostringstream pts, data;
  for (const auto& p : series) {
    double x = pad + (w - pad - 5) * (p["t"].get<double>() / maxt);
    double y = h - 18 - (h - 30) * (p[key].get<double>() / maxv);
    pts << f(x, "%.1f") << "," << f(y, "%.1f") << " ";
    data << (data.tellp() > 0 ? "," : "") << f(p[key].get<double>(), "%.6g");
  }
  std::ostringstream o;
  o << "<svg class=\"series\" width=\"" << w << "\" height=\"" << h << "\" xmlns=\"http://www.w3.org/2000/svg\">"
    << "<text x=\"" << pad << "\" y=\"11\" class=\"lbl\">" << esc(metric) << " (max " << f(maxv, maxv >= 100 ? "%.0f" : "%.3f")
    << ")</text>"
    << "<line x1=\"" << pad << "\" y1=\"" << h - 18 << "\" x2=\"" << w - 5 << "\" y2=\"" << h - 18 << "\" stroke=\"#999\"/>"
    << "<text x=\"" << w - 5 << "\" y=\"" << h - 4 << "\" text-anchor=\"end\" class=\"lbl\">" << maxt << " s</text>"
    << "<polyline fill=\"none\" stroke=\"" << color << "\" stroke-width=\"1.5\" data-model=\"" << esc(model)
    << "\" data-metric=\"" << key << "\" data-values=\"" << data.str() << "\" points=\"" << pts.str() << "\"/></svg>";
  return o.str();
}

// Markdown table -> HTML table (the summary shares its numbers with summary.md).
std::string md_table_to_html(const std::string& md) {
  std::istringstream in(md);
  std::string line;
  std::ostringstream o;
  bool in_table = false, header = true;
  while (std::getline(in, line)) {
    if (line.rfind("|", 0) == 0) {
      if (line.find("---") != std::string::npos) continue;
      if (!in_table) o << "<table class=\"summary\">\n";
      in_table = true;
      o << "<tr>";
      std::string cell;
      std::istringstream cells(line.substr(1));
      while (std::getline(cells, cell, '|')) {
        auto b = cell.find_first_not_of(' '), e = cell.find_last_not_of(' ');
        cell = b == std::string::npos ? "" : cell.substr(b, e - b + 1);
        o << (header ? "<th>" : "<td>") << esc(cell) << (header ? "</th>" : "</td>");
      }
      o << "</tr>\n";
      header = false;
    } else {
      if (in_table) o << "</table>\n";
      in_table = false;
      if (!line.empty()) o << "<p>" << esc(line.rfind("- ", 0) == 0 ? line.substr(2) : line) << "</p>\n";
    }
  }
  if (in_table) o << "</table>\n";
  return o.str();
}

}  // namespace

std::string render_report(const std::vector<LoadedResult>& rs, const std::string& title) {
  std::vector<std::string> models;
  std::vector<std::vector<double>> rps, lat;
  for (const auto& r : rs) {
    if (!r.ok()) continue;
    const auto& s = r.doc["summary"];
    models.push_back(r.label());
    rps.push_back({s["rps"].get<double>()});
    lat.push_back({s["percentiles_ms"]["50"].get<double>(), s["percentiles_ms"]["95"].get<double>(),
                   s["percentiles_ms"]["99"].get<double>()});
  }
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" << esc(title) << "</title>\n<style>\n"
    << "body{font-family:sans-serif;margin:24px;color:#222;max-width:1100px}\n"
    << "table.summary{border-collapse:collapse;margin:8px 0}table.summary td,table.summary th{border:1px solid #ccc;padding:3px 8px;text-align:right}\n"
    << "table.summary td:first-child,table.summary th:first-child{text-align:left}\n"
    << ".lbl{font-size:11px;fill:#333}.val{font-size:10px;fill:#555}.model{display:inline-block;margin:0 18px 18px 0;vertical-align:top}\n"
    << "h3{margin:4px 0}\n</style></head><body>\n";
  o << "<h1>" << esc(title) << "</h1>\n";
  if (!rs.empty()) {
    const auto& d = rs.front().doc;
    o << "<p>loadgen " << esc(d["tool"].value("version", "?")) << " (" << esc(d["tool"].value("git_sha", "?")) << "), "
      << esc(d.value("started_at", "")) << ", " << d["environment"].value("cpus", 0) << " CPUs, "
      << esc(d["environment"].value("kernel", "")) << ".</p>\n";
  }
  o << "<h2>Summary</h2>\n" << md_table_to_html(summary_markdown(rs));
  o << "<h2>Requests per second</h2>\n" << bar_chart("chart-rps", models, {"requests/s"}, rps, "req/s");
  o << "<h2>Latency percentiles</h2>\n" << bar_chart("chart-latency", models, {"p50", "p95", "p99"}, lat, "ms");
  o << "<h2>Per second</h2>\n";
  for (const auto& r : rs) {
    if (!r.ok()) continue;
    const auto& series = r.doc["series"];
    o << "<div class=\"model\"><h3>" << esc(r.label()) << "</h3>\n"
      << line_chart(r.label(), "users", series, "users", "#59a14f") << "<br>"
      << line_chart(r.label(), "requests/s", series, "rps", "#4e79a7") << "<br>"
      << line_chart(r.label(), "p95 ms", series, "p95_ms", "#e15759") << "</div>\n";
  }
  o << "</body></html>\n";
  return o.str();
}

int report_main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: loadgen report RUN_DIR   (writes RUN_DIR/report.html)\n");
    return 2;
  }
  try {
    auto rs = load_result_set(argv[1]);
    order_results(rs);
    std::string dir = std::filesystem::is_directory(argv[1]) ? argv[1] : std::filesystem::path(argv[1]).parent_path().string();
    if (dir.empty()) dir = ".";
    std::string path = dir + "/report.html";
    std::ofstream f(path);
    std::error_code ec;
    auto canonical = std::filesystem::canonical(dir, ec);  // results/latest -> the run's own name
    f << render_report(rs, "Load-test lab: " + (ec ? std::filesystem::path(dir) : canonical).filename().string());
    if (!f) {
      std::fprintf(stderr, "loadgen report: cannot write %s\n", path.c_str());
      return 2;
    }
    std::printf("%s\n", path.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "loadgen report: %s\n", e.what());
    return 2;
  }
  return 0;
}

}  // namespace lab
