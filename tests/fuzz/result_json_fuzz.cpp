// libFuzzer: the result-document reader (JSON parse, the typed model with its validation,
// histogram decoding) must reject bad input with an exception, never crash; what it accepts
// must write back and read again to the same document.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "common/histogram.h"
#include "common/result.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  try {
    lab::Result r = lab::result_from_json(j, "fuzz.json");
    const nlohmann::json out = lab::to_json(r);
    if (lab::to_json(lab::result_from_json(out, "fuzz.json")) != out) __builtin_trap();  // not stable
    if (r.histogram) (void)r.histogram->percentile(99);
  } catch (const std::exception&) {
  }
  try {
    lab::Histogram h = lab::Histogram::from_json(j);
    (void)h.percentile(50);
  } catch (const std::exception&) {
  }
  (void)lab::comparable_workload(j);
  return 0;
}
