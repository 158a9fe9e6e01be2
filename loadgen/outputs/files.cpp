#include "loadgen/outputs/files.h"

#include "common/output_file.h"
#include "loadgen/output/locust_csv.h"
#include "loadgen/results/hdr_log.h"

namespace lab {

void FilesOutput::on_end(RunEnd& end) {
  const Result& r = end.result;
  if (!json_path.empty()) {
    write_json_output(json_path, to_json(r));
    end.files["json"] = json_path;
  }
  if (!csv_prefix.empty()) {
    write_locust_csv(r, csv_prefix);
    end.files["csv"] = csv_prefix + "_*.csv";
  }
  if (!hlog_path.empty() && r.has_summary()) {
    write_output(hlog_path, hlog_text(r));
    end.files["hlog"] = hlog_path;
  }
}

}  // namespace lab
