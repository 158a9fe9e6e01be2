// libFuzzer: the CLI duration parser; whatever it accepts must be non-negative and format back
// to something it accepts with the same value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/duration.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view s(reinterpret_cast<const char*>(data), size);
  auto d = lab::parse_duration(s);
  if (!d) return 0;
  if (d->count() < 0) std::abort();
  auto again = lab::parse_duration(lab::format_duration(*d));
  if (!again || *again != *d) std::abort();
  return 0;
}
