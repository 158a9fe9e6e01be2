#pragma once
// How a request can fail, classified (never swallowed). Names are the JSON keys. A response
// whose status code is not expected (--expect-status, 2xx by default) is a failure of its own
// kind per code: http_404, http_503, ...
#include <boost/system/error_code.hpp>
#include <cstdint>
#include <string>

namespace lab {

enum class ErrorKind : std::uint8_t {
  kConnectionRefused,
  kConnectTimeout,
  kReset,  // ECONNRESET / EPIPE
  kReadTimeout,
  kClosedWithoutResponse,  // EOF before any response byte
  kBadResponse,            // garbage, truncated, or a response the parser rejects
  kTlsResponse,            // the server answered with a TLS record: it speaks HTTPS
  kTlsHandshake,           // https: the handshake failed (certificate, protocol, or not TLS)
  kUnexpectedStatus,       // a complete response with a status code not expected
  kOutOfFds,               // EMFILE / ENFILE
  kOutOfPorts,             // EADDRNOTAVAIL: no ephemeral port left
  kH2Refused,              // HTTP/2: REFUSED_STREAM, or above a GOAWAY's last stream id (not processed: retryable)
  kH2Reset,                // HTTP/2: the server reset the stream (RST_STREAM with another code)
  kH2Protocol,             // HTTP/2: the connection broke the protocol (bad frames, a GOAWAY with an error)
  kH2FlowControl,          // HTTP/2: timed out with the request's body held by a closed flow-control window
  kCheck,                  // a complete response that failed one of its scenario request's checks
  kExtract,                // a complete response that did not give a value its request extracts
  kBodyTooLarge,           // a body a check or extraction reads was longer than --max-body
  kOther,
  kCount
};
const char* to_string(ErrorKind k);
/// The JSON kind of a failure: to_string(k), or "http_<code>" for an unexpected status.
std::string error_name(ErrorKind k, int status_code);
/// For socket errors on connect (`connecting`) or afterwards.
ErrorKind classify(const boost::system::error_code& ec, bool connecting);

}  // namespace lab
