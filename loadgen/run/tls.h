#pragma once
// https:// targets through Boost.Asio's SSL support (OpenSSL): one client context per run, and
// per connection SNI, the certificate's name check and session resumption.
#include <utility>  // Boost 1.74's awaitable.hpp needs it first

#include <boost/asio/ssl.hpp>
#include <memory>
#include <string>

#include "loadgen/workload/workload.h"

namespace lab {

/// The run's client context: TLS 1.2 or later, certificates verified against --cacert or the
/// system's CAs unless --insecure. nullptr with `error` set when a file cannot be used.
std::unique_ptr<boost::asio::ssl::context> make_tls_context(const Workload& w, std::string& error);

/// Readies a new connection's SSL object: SNI (for names, not IP literals), the name or address
/// the certificate must hold (unless --insecure), and the session to resume, if any.
/// Returns false with `error` set if OpenSSL refused.
bool prepare_tls(SSL* ssl, const Workload& w, SSL_SESSION* resume, std::string& error);

/// Why a handshake failed, in words: OpenSSL's reason, and when certificates are checked
/// (`verifying`: not --insecure) the certificate check's result with the flags that help.
std::string tls_failure(SSL* ssl, const boost::system::error_code& ec, bool verifying);

/// A session kept for the next connection (SSL_SESSION reference, freed on reset).
struct SessionDeleter {
  void operator()(SSL_SESSION* s) const { SSL_SESSION_free(s); }
};
using TlsSession = std::unique_ptr<SSL_SESSION, SessionDeleter>;

}  // namespace lab
