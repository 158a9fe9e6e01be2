#include "loadgen/measure/errors.h"

#include <cerrno>

namespace lab {

const char* to_string(ErrorKind k) {
  switch (k) {
    case ErrorKind::kConnectionRefused: return "connection_refused";
    case ErrorKind::kConnectTimeout: return "connect_timeout";
    case ErrorKind::kReset: return "connection_reset";
    case ErrorKind::kReadTimeout: return "read_timeout";
    case ErrorKind::kClosedWithoutResponse: return "closed_without_response";
    case ErrorKind::kBadResponse: return "bad_response";
    case ErrorKind::kTlsResponse: return "tls_response";
    case ErrorKind::kTlsHandshake: return "tls_handshake";
    case ErrorKind::kUnexpectedStatus: return "unexpected_status";
    case ErrorKind::kOutOfFds: return "out_of_fds";
    case ErrorKind::kOutOfPorts: return "out_of_ephemeral_ports";
    case ErrorKind::kH2Refused: return "h2_refused_stream";
    case ErrorKind::kH2Reset: return "h2_stream_reset";
    case ErrorKind::kH2Protocol: return "h2_protocol_error";
    case ErrorKind::kH2FlowControl: return "h2_flow_control_stall";
    case ErrorKind::kCheck: return "check";
    case ErrorKind::kExtract: return "extract";
    case ErrorKind::kBodyTooLarge: return "body_over_max";
    case ErrorKind::kOther: return "other";
    case ErrorKind::kCount: break;
  }
  return "?";
}

std::string error_name(ErrorKind k, int status_code) {
  if (k == ErrorKind::kUnexpectedStatus) return "http_" + std::to_string(status_code);
  return to_string(k);
}

ErrorKind classify(const boost::system::error_code& ec, bool connecting) {
  if (ec.category() == boost::system::system_category() || ec.category() == boost::system::generic_category()) {
    switch (ec.value()) {
      case ECONNREFUSED: return ErrorKind::kConnectionRefused;
      case ECONNRESET:
      case EPIPE:
      case ECONNABORTED: return ErrorKind::kReset;
      case ETIMEDOUT: return connecting ? ErrorKind::kConnectTimeout : ErrorKind::kReadTimeout;
      case EMFILE:
      case ENFILE: return ErrorKind::kOutOfFds;
      case EADDRNOTAVAIL: return ErrorKind::kOutOfPorts;
      default: break;
    }
  }
  return ErrorKind::kOther;
}

}  // namespace lab
