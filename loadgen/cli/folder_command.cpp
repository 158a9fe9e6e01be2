#include "loadgen/cli/folder_command.h"

#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "loadgen/cli/command_line.h"
#include "loadgen/results/result_set.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace lab {

std::optional<std::string> one_positional(int argc, char** argv, const char* name, const char* arg, const char* what,
                                          int& code) {
  std::string value;
  po::options_description desc(std::string("usage: loadgen ") + name + " " + arg + "\n" + what + "\n\noptions");
  desc.add_options()("help,h", "show this help");
  po::options_description all;
  all.add(desc).add_options()("arg", po::value<std::string>(&value));
  po::positional_options_description pos;
  pos.add("arg", 1);
  po::variables_map vm;
  const CommandLine cl(name);
  if (auto done = cl.parse(argc, argv, all, desc, vm, {}, &pos)) {
    code = *done;
    return std::nullopt;
  }
  if (value.empty()) {
    code = cl.usage(std::string("give ") + arg);
    return std::nullopt;
  }
  return value;
}

int folder_command(int argc, char** argv, const char* name, const char* what,
                   const std::function<std::string(const std::string&, const std::vector<Result>&, bool)>& fn) {
  int code = 0;
  const auto path = one_positional(argc, argv, name, "RUN_DIR", what, code);
  if (!path) return code;
  try {
    auto rs = load_result_set(*path);
    order_results(rs);
    const bool is_dir = fs::is_directory(*path);
    const std::string parent = is_dir ? *path : fs::path(*path).parent_path().string();
    const std::string dir = parent.empty() ? std::string(1, '.') : parent;  // (not = ".": GCC 12 -Wrestrict misfires)
    const std::string out = fn(dir, rs, is_dir);
    if (!out.empty()) std::printf("%s\n", out.c_str());
  } catch (const std::exception& e) {
    return CommandLine(name).error(e.what(), 2);
  }
  return 0;
}

}  // namespace lab
