// How a failed handshake is explained; the SSL object a user keeps from one connection to the
// next; how a non-blocking OpenSSL call's result is read.
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loadgen/client/tls.h"

namespace lab {
namespace {

// Under --insecure the certificate is not checked, so its result is not the cause and the hint
// to use --cacert or --insecure would mislead.
TEST(Tls, TheCertificateHintOnlyWhenCertificatesAreChecked) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  ASSERT_NE(ctx, nullptr);
  SSL* ssl = SSL_new(ctx);
  SSL_set_verify_result(ssl, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  const auto ec = boost::system::error_code(ECONNRESET, boost::system::system_category());
  const std::string verifying = tls_failure(ssl, ec, true);
  EXPECT_NE(verifying.find("certificate: unable to get local issuer certificate"), std::string::npos) << verifying;
  EXPECT_NE(verifying.find("--cacert"), std::string::npos) << verifying;
  const std::string insecure = tls_failure(ssl, ec, false);
  EXPECT_EQ(insecure.find("certificate"), std::string::npos) << insecure;
  EXPECT_EQ(insecure.find("--insecure"), std::string::npos) << insecure;
  SSL_free(ssl);
  SSL_CTX_free(ctx);
}

// A socket pair for one test (non-blocking: OpenSSL's calls must not block), closed after it.
struct Pair {
  int fd[2] = {-1, -1};
  Pair() { EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fd), 0); }
  ~Pair() {
    for (const int f : fd)
      if (f >= 0) close(f);
  }
};

struct ClientCtx {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  ~ClientCtx() { SSL_CTX_free(ctx); }
};

Workload localhost() {
  Workload w;
  w.target.host = "localhost";
  return w;
}

// A reconnect reuses the user's SSL object (attach_tls clears it) on the new descriptor, and
// offers exactly the session it is given: SSL_clear keeps the last one, which --tls-resume off
// must not offer.
TEST(Tls, AReconnectReusesTheSslObjectAndOffersOnlyTheGivenSession) {
  ClientCtx c;
  ASSERT_NE(c.ctx, nullptr);
  Pair a, b;
  const Workload w = localhost();
  TlsHandle ssl;
  std::string err;
  ASSERT_TRUE(attach_tls(ssl, c.ctx, a.fd[0], w, nullptr, err)) << err;
  ASSERT_NE(ssl, nullptr);
  SSL* const first = ssl.get();
  EXPECT_EQ(SSL_get_fd(first), a.fd[0]);
  SSL_SESSION* kept = SSL_SESSION_new();
  ASSERT_NE(kept, nullptr);
  ASSERT_EQ(SSL_set_session(first, kept), 1);                          // as a finished handshake leaves it
  SSL_set_shutdown(first, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);  // a clean end (close_connection)

  ASSERT_TRUE(attach_tls(ssl, c.ctx, b.fd[0], w, nullptr, err)) << err;
  EXPECT_EQ(ssl.get(), first) << "the same object, cleared";
  EXPECT_EQ(SSL_get_fd(ssl.get()), b.fd[0]);
  EXPECT_EQ(SSL_get_session(ssl.get()), nullptr) << "no resumption asked: the kept session is not offered";
  EXPECT_EQ(SSL_get_shutdown(ssl.get()), 0) << "cleared for a new connection";

  ASSERT_TRUE(attach_tls(ssl, c.ctx, a.fd[0], w, kept, err)) << err;
  EXPECT_EQ(SSL_get_session(ssl.get()), kept);
  const char* sni = SSL_get_servername(ssl.get(), TLSEXT_NAMETYPE_host_name);
  ASSERT_NE(sni, nullptr);
  EXPECT_STREQ(sni, "localhost");
  SSL_SESSION_free(kept);

  ssl.reset();  // after a failure (close_connection): the next connection gets a new object
  ASSERT_TRUE(attach_tls(ssl, c.ctx, a.fd[0], w, nullptr, err)) << err;
  EXPECT_NE(ssl, nullptr);
}

// A client handshake on one end of a socket pair; the test plays the server on the other.
struct Handshake {
  ClientCtx c;
  Pair p;
  TlsHandle ssl;
  Handshake() {
    std::string err;
    EXPECT_TRUE(attach_tls(ssl, c.ctx, p.fd[0], localhost(), nullptr, err)) << err;
  }
  int server() const { return p.fd[1]; }
  // One SSL_connect step: what it waits for, `ec` its failure.
  TlsWait step(boost::system::error_code& ec) {
    SSL* s = ssl.get();
    int r = 0;
    return tls_call(
        s, [s] { return SSL_connect(s); }, r, ec);
  }
};

// The results of a non-blocking handshake: waiting for the server's reply, then the stream's end
// without close_notify (named as Asio names it); a reply that is not TLS.
TEST(Tls, NonBlockingCallsWaitThenReportTheEndAndErrors) {
  {
    Handshake h;
    ASSERT_NE(h.ssl, nullptr);
    boost::system::error_code ec;
    EXPECT_EQ(h.step(ec), TlsWait::kRead) << "the ClientHello is out";
    EXPECT_FALSE(ec) << ec.message();
    char hello[5];
    EXPECT_EQ(read(h.server(), hello, sizeof hello), 5);
    EXPECT_EQ(hello[0], 0x16) << "a handshake record";
    ASSERT_EQ(shutdown(h.server(), SHUT_WR), 0);  // the server ends the stream without a word
    EXPECT_EQ(h.step(ec), TlsWait::kNone);
    EXPECT_EQ(ec, boost::asio::ssl::error::stream_truncated) << ec.message();
  }
  {
    Handshake h;
    ASSERT_NE(h.ssl, nullptr);
    boost::system::error_code ec;
    ASSERT_EQ(write(h.server(), "HTTP/1.1 200 OK\r\n\r\n", 19), 19);  // not TLS at all
    EXPECT_EQ(h.step(ec), TlsWait::kNone);
    EXPECT_EQ(ec.category(), boost::asio::error::get_ssl_category()) << ec.message();
    const std::string why = tls_failure(h.ssl.get(), ec, true);
    EXPECT_NE(why.find("wrong version number"), std::string::npos) << why;
  }
}

}  // namespace
}  // namespace lab
