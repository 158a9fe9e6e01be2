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
  if (const std::string err = parse_command_line(argc, argv, all, vm, &pos); !err.empty()) {
    std::cerr << "loadgen " << name << ": " << err << "\n(see loadgen " << name << " --help)\n";
    code = 2;
    return std::nullopt;
  }
  if (vm.count("help")) {
    std::cout << desc;
    code = 0;
    return std::nullopt;
  }
  if (value.empty()) {
    std::cerr << "loadgen " << name << ": give " << arg << " (see loadgen " << name << " --help)\n";
    code = 2;
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
    std::fprintf(stderr, "loadgen %s: %s\n", name, e.what());
    return 2;
  }
  return 0;
}

}  // namespace lab
