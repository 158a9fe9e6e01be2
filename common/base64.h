#pragma once
// RFC 4648 base64 (the standard alphabet, with padding): Basic authorization and HdrHistogram's
// encoded histograms.
#include <optional>
#include <string>
#include <string_view>

namespace lab {

std::string base64(std::string_view bytes);
/// The bytes, or nullopt when `text` is not base64 (a foreign character, a bad length or padding).
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace lab
