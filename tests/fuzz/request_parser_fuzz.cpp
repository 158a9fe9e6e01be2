// libFuzzer: the request parser on arbitrary bytes, fed whole and in chunks that the input's
// first byte chooses. Both must agree, never read out of bounds, and respect the limits.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/http/request_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = data[0] % 16 + 1;
  const std::string input(reinterpret_cast<const char*>(data + 1), size - 1);
  lab::RequestParser whole;
  const lab::ParseStatus a = whole.parse(input);
  lab::RequestParser pieces;
  std::string buf;
  lab::ParseStatus b = lab::ParseStatus::kIncomplete;
  for (std::size_t i = 0; i < input.size() && b == lab::ParseStatus::kIncomplete; i += chunk) {
    buf.append(input, i, chunk);
    b = pieces.parse(buf);
  }
  if (a != b) std::abort();
  if (a == lab::ParseStatus::kComplete) {
    const lab::Request& r = whole.request();
    if (r.head_bytes > lab::kMaxHeadBytes || r.total_bytes > input.size()) std::abort();
    if (r.method.empty() || r.target.empty()) std::abort();
    if (pieces.request().total_bytes != r.total_bytes) std::abort();
  }
  return 0;
}
