#pragma once
// How a request can fail, classified (never swallowed). Names are the JSON keys.
#include <boost/system/error_code.hpp>
#include <cstdint>

namespace lab {

enum class ErrorKind : std::uint8_t {
  kConnectionRefused,
  kConnectTimeout,
  kReset,                  // ECONNRESET / EPIPE
  kReadTimeout,
  kClosedWithoutResponse,  // EOF before any response byte
  kBadResponse,            // garbage, truncated, or a response the parser rejects
  kHttp4xx,
  kHttp5xx,
  kOutOfFds,               // EMFILE / ENFILE
  kOutOfPorts,             // EADDRNOTAVAIL: no ephemeral port left
  kOther,
  kCount
};
const char* to_string(ErrorKind k);
/// For socket errors on connect (`connecting`) or afterwards.
ErrorKind classify(const boost::system::error_code& ec, bool connecting);

}  // namespace lab
