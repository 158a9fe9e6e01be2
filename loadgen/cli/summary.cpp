// loadgen summary RUN_DIR: prints the table and writes RUN_DIR/summary.md.
#include <cstdio>

#include "common/output_file.h"
#include "loadgen/cli/commands.h"
#include "loadgen/cli/folder_command.h"
#include "loadgen/output/summary.h"

namespace lab {

int summary_main(int argc, char** argv) {
  return folder_command(argc, argv, "summary", "prints the table and writes RUN_DIR/summary.md",
                        [](const std::string& dir, const std::vector<Result>& rs, bool is_dir) {
                          const std::string md = summary_markdown(rs);
                          std::fputs(md.c_str(), stdout);
                          if (is_dir) write_output(dir + "/summary.md", "# Summary\n\n" + md);
                          return std::string();
                        });
}

}  // namespace lab
