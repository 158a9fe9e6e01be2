#include "loadgen/cli/outputs.h"

#include <cstdio>

#include "loadgen/cli/command_line.h"
#include "loadgen/outputs/influxdb.h"
#include "loadgen/outputs/prometheus.h"

namespace lab {

namespace {

std::string push(const char* kind, const std::string& arg, OutChoice& out) {
  PushOptions o;
  if (std::string e = parse_push_options(kind, arg, o); !e.empty()) return e;
  out.pushes.push_back(o);
  return {};
}

}  // namespace

const std::vector<OutputKind>& output_kinds() {
  static const std::vector<OutputKind> k = {
      {"json", "PATH", "the result document (as --json; - for standard output)", false,
       [](const std::string& a, OutChoice& c) {
         if (!c.json_path.empty()) return std::string("given twice (with --json): give one");
         c.json_path = a;
         return check_output_flag("--out json", a);
       }},
      {"csv", "PREFIX", "Locust's CSVs (as --csv)", false,
       [](const std::string& a, OutChoice& c) {
         if (!c.csv_prefix.empty()) return std::string("given twice (with --csv): give one");
         c.csv_prefix = a;
         return a == "-" ? std::string("--out csv: '-' is not supported (the CSVs are several files; give a prefix)")
                         : check_output_flag("--out csv", a + "_stats.csv");
       }},
      {"hlog", "PATH", "the HdrHistogram interval log (as --hlog)", false,
       [](const std::string& a, OutChoice& c) {
         if (!c.hlog_path.empty()) return std::string("given twice (with --hlog): give one");
         c.hlog_path = a;
         return check_output_flag("--out hlog", a);
       }},
      {"live", "[ADDR:]PORT", "the live view (as --live; docs/live.md)", false,
       [](const std::string& a, OutChoice& c) {
         if (!c.live.empty()) return std::string("given twice: give one");
         c.live = a;
         return std::string();
       }},
      {"prometheus", "URL[,names=k6][,interval=1s][,testid=ID][,label.K=V][,token=T]",
       "push each second by Prometheus remote write (e.g. http://127.0.0.1:9090/api/v1/write)", true,
       [](const std::string& a, OutChoice& c) { return push("prometheus", a, c); }},
      {"influxdb", "URL[,db=NAME][,interval=1s][,testid=ID][,label.K=V][,token=T]",
       "push each second to InfluxDB 1.x as line protocol, k6's layout (e.g. http://127.0.0.1:8086,db=k6)", true,
       [](const std::string& a, OutChoice& c) { return push("influxdb", a, c); }},
  };
  return k;
}

std::string apply_out(const std::string& spec, OutChoice& out, bool files) {
  const auto eq = spec.find('=');
  const std::string name = spec.substr(0, eq);
  std::string names;
  for (const OutputKind& k : output_kinds()) {
    if (!files && !k.pushes) {
      if (name == k.name)
        return "--out " + name +
               ": not for this command (it writes its own document with --json, and shows its steps with --live-hub): "
               "only the pushing outputs (prometheus, influxdb)";
      continue;
    }
    names += std::string(names.empty() ? "" : ", ") + k.name;
    if (name != k.name) continue;
    if (eq == std::string::npos || eq + 1 == spec.size()) return "--out " + name + ": give " + name + "=" + k.arg;
    std::string e = k.apply(spec.substr(eq + 1), out);
    if (e.empty()) return e;
    return e.rfind("--out", 0) == 0 ? e : "--out " + name + ": " + e;
  }
  return "--out: '" + name + "' is not an output (the outputs: " + names + "; e.g. --out prometheus=URL)";
}

void label_pushes(OutChoice& out, const Workload& w) {
  for (PushOptions& p : out.pushes) {
    if (p.testid.empty() && !w.run_id.empty()) p.testid = w.run_id;
    if (w.sharded()) p.labels.emplace_back("shard", std::to_string(w.shard_index));
  }
}

std::string out_help(bool files) {
  std::string h = files ? "NAME=ARG (repeatable): send the run to an output as it runs or at its end:"
                        : "NAME=ARG (repeatable): push every step as it runs:";
  for (const OutputKind& k : output_kinds())
    if (files || k.pushes) h += std::string("\n  ") + k.name + "=" + k.arg + ": " + k.help;
  return h;
}

void say_report(const Pusher& p) {
  const PushOptions& o = p.options();
  std::fprintf(stderr, "loadgen: --out %s=%s: %s\n", o.kind.c_str(), o.url.c_str(), p.report().text().c_str());
}

std::unique_ptr<Pusher> make_pusher(const PushOptions& o, bool required) {
  if (o.kind == "prometheus") return std::make_unique<PrometheusOutput>(o, required);
  return std::make_unique<InfluxOutput>(o, required);
}

}  // namespace lab
