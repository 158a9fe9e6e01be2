#include "loadgen/errors.h"

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
    case ErrorKind::kHttp4xx: return "http_4xx";
    case ErrorKind::kHttp5xx: return "http_5xx";
    case ErrorKind::kOutOfFds: return "out_of_fds";
    case ErrorKind::kOutOfPorts: return "out_of_ephemeral_ports";
    case ErrorKind::kOther: return "other";
    case ErrorKind::kCount: break;
  }
  return "?";
}

ErrorKind classify(const boost::system::error_code& ec, bool connecting) {
  if (ec.category() == boost::system::system_category() ||
      ec.category() == boost::system::generic_category()) {
    switch (ec.value()) {
      case ECONNREFUSED: return ErrorKind::kConnectionRefused;
      case ECONNRESET: case EPIPE: case ECONNABORTED: return ErrorKind::kReset;
      case ETIMEDOUT: return connecting ? ErrorKind::kConnectTimeout : ErrorKind::kReadTimeout;
      case EMFILE: case ENFILE: return ErrorKind::kOutOfFds;
      case EADDRNOTAVAIL: return ErrorKind::kOutOfPorts;
      default: break;
    }
  }
  return ErrorKind::kOther;
}

}  // namespace lab
