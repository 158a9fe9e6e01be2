// --http2 before the run (client/path.h): one blocking TLS handshake with the target, offering h2
// by ALPN, to refuse a run against a server that would answer in HTTP/1.1 with a message saying
// what it chose, rather than a run of failures.
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "loadgen/client/path.h"
#include "loadgen/client/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace lab {

std::string probe_alpn(const asio::ip::tcp::endpoint& target, asio::ssl::context& ctx, const Workload& w) {
  const int fd = ::socket(target.protocol().family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {};  // (the run reports it)
  const timeval limit{5, 0};
  const bool ready = ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit) == 0 &&
                     ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit) == 0 &&
                     ::connect(fd, target.data(), static_cast<socklen_t>(target.size())) == 0;
  std::string chosen = "h2";  // unknown: not refused
  if (ready) {
    TlsHandle ssl;
    std::string err;
    ERR_clear_error();
    if (attach_tls(ssl, ctx.native_handle(), fd, w, nullptr, err) && SSL_connect(ssl.get()) == 1)
      chosen = alpn_chosen(ssl.get());
    else if (ERR_GET_REASON(ERR_peek_error()) == SSL_R_TLSV1_ALERT_NO_APPLICATION_PROTOCOL)
      chosen = "";  // it refused the handshake rather than speak h2: HTTP/1.1 only
  }
  ::close(fd);  // (a socket's close cannot fail in a way to act on: see close_socket)
  if (chosen == "h2") return {};
  return "--http2: the server did not choose h2 by ALPN in its TLS handshake (" +
         (chosen.empty() ? std::string("it chose no protocol: it serves HTTP/1.1") : "it chose '" + chosen + "'") +
         "); leave --http2 out to load it with HTTP/1.1";
}

}  // namespace lab
