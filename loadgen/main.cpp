// loadgen: a load test (the default command), or one of the commands of cli/commands.cpp's
// table. Dispatch and the list of commands come from that one table.
#include <cstdio>
#include <cstring>
#include <string>

#include "loadgen/cli/commands.h"

namespace {

void list_commands(std::FILE* out) {
  std::fprintf(out, "commands (loadgen COMMAND --help for each):\n");
  for (const auto& c : lab::commands()) std::fprintf(out, "  %-16s %s\n", c.name, c.synopsis);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace lab;
  // No command, or a flag first: a load test (loadgen -H URL ...), as Locust and wrk take it.
  if (argc < 2 || argv[1][0] == '-') {
    const int code = run_main(argc, argv);
    if (argc >= 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
      std::printf("\n");
      list_commands(stdout);
    }
    return code;
  }
  const std::string name = argv[1];
  if (name == "help") {
    list_commands(stdout);
    return 0;
  }
  for (const auto& c : commands())
    if (name == c.name) return c.main(argc - 1, argv + 1);
  std::fprintf(stderr, "loadgen: unknown command '%s'\n", name.c_str());
  list_commands(stderr);
  return 2;
}
