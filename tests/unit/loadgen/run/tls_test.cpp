// How a failed handshake is explained.
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "loadgen/run/tls.h"

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

}  // namespace
}  // namespace lab
