#include "loadgen/client/tls.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/address.hpp>
#include <fstream>

namespace lab {

namespace ssl = boost::asio::ssl;

namespace {

// OpenSSL's reason for an error Asio reports only as "asio.ssl error".
std::string ssl_reason(const boost::system::error_code& ec) {
  if (ec.category() != boost::asio::error::get_ssl_category()) return ec.message();
  char buf[256];
  ERR_error_string_n(static_cast<unsigned long>(ec.value()), buf, sizeof buf);
  return buf;
}

}  // namespace

std::unique_ptr<ssl::context> make_tls_context(const Workload& w, std::string& error) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                   ec);
  if (ec) {
    error = "TLS: cannot set the protocol versions: " + ec.message();
    return nullptr;
  }
  // Sessions are kept by each user for its own reconnects (prepare_tls), not in a shared cache.
  // (TLS 1.3 clients take session tickets only in client cache mode; none is stored in the context.)
  SSL_CTX_set_session_cache_mode(ctx->native_handle(), SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  if (w.tls.insecure) {
    ctx->set_verify_mode(ssl::verify_none, ec);
  } else {
    ctx->set_verify_mode(ssl::verify_peer, ec);
    if (!ec) {
      if (w.tls.cacert.empty())
        ctx->set_default_verify_paths(ec);
      else
        ctx->load_verify_file(w.tls.cacert, ec);
    }
  }
  if (ec) {
    const std::string why = ssl_reason(ec);
    if (w.tls.cacert.empty())
      error = "TLS: cannot load the system's CA certificates: " + why;
    else if (!std::ifstream(w.tls.cacert))
      error = "--cacert: cannot load '" + w.tls.cacert + "': cannot read it";
    else
      error = "--cacert: cannot load '" + w.tls.cacert + "' as PEM certificates: " + why;
    return nullptr;
  }
  // --http2: offer h2 only (ALPN): a server that cannot speak it answers without ALPN or with
  // http/1.1, which the run reports (alpn_chosen) instead of sending HTTP/1.1 under another name.
  static const unsigned char kH2[] = {2, 'h', '2'};
  if (w.http2.mode == Http2Options::Mode::kAlpn &&
      SSL_CTX_set_alpn_protos(ctx->native_handle(), kH2, sizeof kH2) != 0) {
    error = "TLS: cannot offer h2 by ALPN";
    return nullptr;
  }
  return ctx;
}

std::string alpn_chosen(SSL* ssl) {
  const unsigned char* p = nullptr;
  unsigned int n = 0;
  SSL_get0_alpn_selected(ssl, &p, &n);
  return p ? std::string(reinterpret_cast<const char*>(p), n) : std::string();
}

bool prepare_tls(SSL* ssl, const Workload& w, SSL_SESSION* resume, std::string& error) {
  const std::string& host = w.target.host;
  boost::system::error_code not_ip;
  boost::asio::ip::make_address(host, not_ip);
  // SNI names a host; RFC 6066 forbids IP literals in it.
  if (not_ip && SSL_set_tlsext_host_name(ssl, host.c_str()) != 1) {
    error = "TLS: cannot set the server name (SNI) '" + host + "'";
    return false;
  }
  if (!w.tls.insecure) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    const int ok = not_ip ? X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size())
                          : X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
    if (ok != 1) {
      error = "TLS: cannot check the certificate against '" + host + "'";
      return false;
    }
  }
  if (resume && SSL_set_session(ssl, resume) != 1) {
    error = "TLS: cannot resume the last session";
    return false;
  }
  return true;
}

bool attach_tls(TlsHandle& ssl, SSL_CTX* ctx, int fd, const Workload& w, SSL_SESSION* resume, std::string& error) {
  if (ssl && SSL_clear(ssl.get()) != 1) ssl.reset();
  if (!ssl) {
    ssl.reset(SSL_new(ctx));
    if (!ssl) {
      error = "TLS: cannot create a connection (SSL_new): out of memory";
      return false;
    }
    SSL_set_connect_state(ssl.get());
    SSL_set_read_ahead(ssl.get(), 1);
  }
  // The socket BIO of the last connection takes the new descriptor (SSL_clear keeps it).
  BIO* bio = SSL_get_rbio(ssl.get());
  if (bio && bio == SSL_get_wbio(ssl.get()) && BIO_method_type(bio) == BIO_TYPE_SOCKET) {
    BIO_set_fd(bio, fd, BIO_NOCLOSE);
  } else if (SSL_set_fd(ssl.get(), fd) != 1) {
    error = "TLS: cannot attach the socket (SSL_set_fd)";
    return false;
  }
  // SSL_clear keeps the last session for the next handshake: offer exactly `resume`, or none.
  if (!resume) SSL_set_session(ssl.get(), nullptr);
  return prepare_tls(ssl.get(), w, resume, error);
}

TlsWait tls_result(SSL* ssl, int result, int sys_errno, boost::system::error_code& ec) {
  ec = {};
  switch (SSL_get_error(ssl, result)) {
    case SSL_ERROR_NONE: return TlsWait::kNone;
    case SSL_ERROR_WANT_READ: return TlsWait::kRead;
    case SSL_ERROR_WANT_WRITE: return TlsWait::kWrite;
    case SSL_ERROR_ZERO_RETURN: ec = boost::asio::error::eof; return TlsWait::kNone;  // close_notify
    case SSL_ERROR_SYSCALL:
      if (const unsigned long e = ERR_get_error())
        ec = boost::system::error_code(static_cast<int>(e), boost::asio::error::get_ssl_category());
      else if (sys_errno != 0)
        ec = boost::system::error_code(sys_errno, boost::asio::error::get_system_category());
      else  // (OpenSSL 1.1: the stream ended without close_notify)
        ec = ssl::error::stream_truncated;
      return TlsWait::kNone;
    case SSL_ERROR_SSL: {
      const unsigned long e = ERR_get_error();
      if (ERR_GET_LIB(e) == ERR_LIB_SSL && ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
        ec = ssl::error::stream_truncated;  // as Asio names an end without close_notify
      else
        ec = boost::system::error_code(static_cast<int>(e), boost::asio::error::get_ssl_category());
      return TlsWait::kNone;
    }
    default: ec = ssl::error::unspecified_system_error; return TlsWait::kNone;
  }
}

std::string tls_failure(SSL* ssl, const boost::system::error_code& ec, bool verifying) {
  std::string why = ssl_reason(ec);
  const long verify = SSL_get_verify_result(ssl);
  if (verifying && verify != X509_V_OK)  // (under --insecure the result is computed but not the cause)
    why += " (certificate: " + std::string(X509_verify_cert_error_string(verify)) +
           "; --cacert FILE trusts a private CA, --insecure skips the check)";
  return why;
}

}  // namespace lab
