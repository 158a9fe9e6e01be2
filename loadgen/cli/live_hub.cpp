// loadgen live-hub: one live page for a whole job (make bench-all LIVE=PORT, make capacity
// LIVE=PORT). It serves what the job's runs send it (`--live-hub ADDR:PORT`, with the job's
// LOADGEN_LIVE_TOKEN): which run is going, its live charts, what is done and what remains, and the
// table of finished runs; the URL stays the same for the whole job.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/duration.h"
#include "loadgen/cli/commands.h"
#include "loadgen/cli/command_line.h"
#include "loadgen/live/requests.h"
#include "loadgen/live/server.h"
#include "loadgen/run/engine.h"
#include "common/output_file.h"

namespace po = boost::program_options;

namespace lab {

namespace {
std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string part; std::getline(in, part, sep);)
    if (!part.empty()) out.push_back(part);
  return out;
}
}  // namespace

int live_hub_main(int argc, char** argv) {
  std::string live, title = "loadgen job", items, columns, linger = "0", allow;
  po::options_description desc(
      "loadgen live-hub: one live page for a job of runs\n\n"
      "usage: LOADGEN_LIVE_TOKEN=SECRET loadgen live-hub --live [ADDR:]PORT [--title T] [--items \"a b c\"]\n"
      "       [--columns \"model,requests,...\"] [--linger 5m]\n"
      "The job's runs send their events here with --live-hub ADDR:PORT and the same LOADGEN_LIVE_TOKEN.\n"
      "It serves until SIGINT/SIGTERM, or --linger after a run posts the job's end.\n\noptions");
  desc.add_options()("help,h", "show this help")("live", po::value<std::string>(&live), "[ADDR:]PORT to serve on")(
      "title", po::value<std::string>(&title), "the job's title")(
      "items", po::value<std::string>(&items), "the job's runs, in order, separated by spaces (e.g. the models)")(
      "columns", po::value<std::string>(&columns), "the finished-runs table's columns, separated by commas")(
      "linger", po::value<std::string>(&linger)->default_value("0"), "serve this long after the job's end")(
      "live-allow-host", po::value<std::string>(&allow),
      "NAME[,NAME]: beyond loopback, the host names its page is reached by (required there)");
  po::variables_map vm;
  const CommandLine cl("live-hub");
  auto fail = [&cl](const std::string& m) { return cl.usage(m); };
  if (auto done = cl.parse(argc, argv, desc, vm)) return *done;
  LiveOptions o;
  if (!vm.count("live")) return fail("--live [ADDR:]PORT is required");
  if (std::string e = parse_live_address(live, o); !e.empty()) return fail("--live: " + e);
  if (vm.count("live-allow-host"))
    if (std::string e = parse_allowed_hosts(allow, o.allowed_hosts); !e.empty()) return fail("--live-allow-host: " + e);
  std::string warning;
  if (std::string e = check_live_exposure(o, warning); !e.empty()) return fail(e);
  const char* token = std::getenv("LOADGEN_LIVE_TOKEN");
  if (!token || std::string(token).size() < 16)
    return fail("LOADGEN_LIVE_TOKEN must hold the job's secret (16 characters or more): the runs present it");
  o.ingest_token = token;
  auto stay = linger == "0" ? std::optional<std::chrono::nanoseconds>(0) : parse_duration(linger);
  if (!stay) return fail("--linger: '" + linger + "' is not a duration (e.g. 5m)");
  catch_interrupts();
  LiveHub hub;
  LiveServer server(hub, o);
  if (const std::string why = server.start(); !why.empty()) {
    std::fprintf(stderr, "loadgen live-hub: cannot start: %s\n", why.c_str());
    return 3;
  }
  std::printf("%s\n", server.url().c_str());
  std::fflush(stdout);
  if (!warning.empty()) std::fprintf(stderr, "loadgen live-hub: warning: %s\n", warning.c_str());
  hub.publish("job", json_text(nlohmann::json{
                         {"title", title}, {"items", split(items, ' ')}, {"columns", split(columns, ',')}}));
  std::optional<std::chrono::steady_clock::time_point> until;
  while (!interrupted()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const auto events = hub.events_after(hub.last_id() > 0 ? hub.last_id() - 1 : 0);
    if (!until && !events.empty() && events.back().type == "job-end") until = std::chrono::steady_clock::now() + *stay;
    if (until && std::chrono::steady_clock::now() >= *until) break;
  }
  server.stop();
  return 0;
}

}  // namespace lab
