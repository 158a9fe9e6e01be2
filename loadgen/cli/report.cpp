// loadgen report RUN_DIR: writes RUN_DIR/report.html.
#include <filesystem>

#include "common/output_file.h"
#include "loadgen/cli/commands.h"
#include "loadgen/cli/folder_command.h"
#include "loadgen/output/report.h"

namespace lab {

int report_main(int argc, char** argv) {
  return folder_command(argc, argv, "report", "writes RUN_DIR/report.html",
                        [](const std::string& dir, const std::vector<Result>& rs, bool) {
                          std::error_code ec;
                          const auto canonical = std::filesystem::canonical(dir, ec);  // latest -> the run
                          const std::string name = (ec ? std::filesystem::path(dir) : canonical).filename().string();
                          const std::string path = dir + "/report.html";
                          write_output(path, render_report(rs, "Load-test lab: " + name));
                          return path;
                        });
}

}  // namespace lab
