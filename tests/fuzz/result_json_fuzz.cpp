// libFuzzer: the result-document reader (JSON parse, schema validation, histogram decoding)
// must reject bad input with an exception, never crash.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "common/histogram.h"
#include "common/result_json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  try {
    lab::validate_result(j, "fuzz.json");
  } catch (const std::exception&) {
  }
  try {
    if (j.is_object() && j.contains("histogram")) {
      lab::Histogram h = lab::Histogram::from_json(j["histogram"]);
      (void)h.percentile(99);
    } else {
      lab::Histogram h = lab::Histogram::from_json(j);
      (void)h.percentile(50);
    }
  } catch (const std::exception&) {
  }
  try {
    (void)lab::comparable_workload(j);
  } catch (const std::exception&) {
  }
  return 0;
}
