#pragma once
// https:// targets through OpenSSL on the connection's own socket: one client context per run
// (Boost.Asio's ssl::context), and per user one SSL object that serves its connections in turn
// (SSL_clear between them, as wrk does), each with SNI, the certificate's name check and
// session resumption. The calls are non-blocking; the caller waits on the socket when OpenSSL
// asks for it (TlsWait).
#include <utility>  // Boost 1.74's awaitable.hpp needs it first

#include <openssl/err.h>

#include <boost/asio/ssl.hpp>
#include <cerrno>
#include <memory>
#include <string>

#include "loadgen/workload/workload.h"

namespace lab {

/// The run's client context: TLS 1.2 or later, certificates verified against --cacert or the
/// system's CAs unless --insecure. nullptr with `error` set when a file cannot be used.
std::unique_ptr<boost::asio::ssl::context> make_tls_context(const Workload& w, std::string& error);

/// The protocol the server chose by ALPN ("h2", "http/1.1"), "" when it chose none.
std::string alpn_chosen(SSL* ssl);

/// Readies a new connection's SSL object: SNI (for names, not IP literals), the name or address
/// the certificate must hold (unless --insecure), and the session to resume, if any.
/// Returns false with `error` set if OpenSSL refused.
bool prepare_tls(SSL* ssl, const Workload& w, SSL_SESSION* resume, std::string& error);

/// Why a handshake failed, in words: OpenSSL's reason, and when certificates are checked
/// (`verifying`: not --insecure) the certificate check's result with the flags that help.
std::string tls_failure(SSL* ssl, const boost::system::error_code& ec, bool verifying);

/// A user's SSL object, kept from one connection to the next.
struct SslDeleter {
  void operator()(SSL* s) const { SSL_free(s); }
};
using TlsHandle = std::unique_ptr<SSL, SslDeleter>;

/// Readies `ssl` for a new connection on `fd`: created the first time (and after a failure
/// dropped it), else the last connection's object cleared by SSL_clear (its buffers and
/// settings stay: no allocation of a new object per connection); then prepare_tls. Read-ahead
/// is on: one receive takes what the socket holds, not a record header and its body apart.
bool attach_tls(TlsHandle& ssl, SSL_CTX* ctx, int fd, const Workload& w, SSL_SESSION* resume, std::string& error);

/// What a non-blocking OpenSSL call needs before it can go on.
enum class TlsWait { kNone, kRead, kWrite };

/// tls_call's classification of an OpenSSL call's `result` (errno as the call left it).
TlsWait tls_result(SSL* ssl, int result, int sys_errno, boost::system::error_code& ec);

/// One non-blocking OpenSSL call on the socket (SSL_connect, SSL_read, SSL_write: `call` returns
/// its result): what it waits for (then call it again once the socket is ready), or kNone with
/// `ec` clear (done: the count is `result`) or set: boost::asio::error::eof (close_notify
/// received), ssl::error::stream_truncated (the stream ended without one), the system's error
/// (ECONNRESET, ...) or OpenSSL's (ssl category, as Asio reports it).
template <class F>
TlsWait tls_call(SSL* ssl, F&& call, int& result, boost::system::error_code& ec) {
  ERR_clear_error();  // SSL_get_error reads the thread's queue: only this call's errors
  errno = 0;
  result = call();
  return tls_result(ssl, result, errno, ec);
}

/// A session kept for the next connection (SSL_SESSION reference, freed on reset).
struct SessionDeleter {
  void operator()(SSL_SESSION* s) const { SSL_SESSION_free(s); }
};
using TlsSession = std::unique_ptr<SSL_SESSION, SessionDeleter>;

/// A user's TLS state (https only; allocated at its first connection, so that plain-HTTP users
/// stay small): its SSL object (kept for the next connection) and the session to resume. Reads
/// decrypt into the worker's shared buffer: SSL_read returns what it has at once, so the bytes
/// are parsed before any other user runs.
struct UserTls {
  TlsHandle ssl;           // reused from connection to connection (attach_tls); none after a failure
  bool connected = false;  // `ssl` carries the user's open connection
  TlsSession session;      // the last session, offered on reconnect
};

}  // namespace lab
