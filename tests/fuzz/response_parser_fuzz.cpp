// libFuzzer: the response parser on arbitrary bytes in chunks; it must end in a definite state
// at EOF and never consume more than it was given.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "common/http/response_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = data[0] % 32 + 1;
  const char* p = reinterpret_cast<const char*>(data + 1);
  const std::size_t n = size - 1;
  lab::ResponseParser parser;
  std::size_t used = 0;
  for (std::size_t i = 0; i < n && parser.status() == lab::ResponseParser::Status::kIncomplete; i += chunk) {
    const std::size_t len = i + chunk <= n ? chunk : n - i;
    const std::size_t u = parser.feed(p + i, len);
    if (u > len) std::abort();
    used += u;
  }
  if (used > n) std::abort();
  if (parser.on_eof() == lab::ResponseParser::Status::kIncomplete) std::abort();
  return 0;
}
