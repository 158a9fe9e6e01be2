// Socket errors classified into the kinds a result counts.
#include <gtest/gtest.h>

#include <boost/asio/error.hpp>

#include "loadgen/measure/errors.h"

namespace lab {
namespace {

TEST(Errors, SocketErrorsAreClassified) {
  using boost::system::error_code;
  auto sys = [](int e) { return error_code(e, boost::system::system_category()); };
  EXPECT_EQ(classify(sys(ECONNREFUSED), true), ErrorKind::kConnectionRefused);
  EXPECT_EQ(classify(sys(ECONNRESET), false), ErrorKind::kReset);
  EXPECT_EQ(classify(sys(EPIPE), false), ErrorKind::kReset);
  EXPECT_EQ(classify(sys(ETIMEDOUT), true), ErrorKind::kConnectTimeout);
  EXPECT_EQ(classify(sys(ETIMEDOUT), false), ErrorKind::kReadTimeout);
  EXPECT_EQ(classify(sys(EMFILE), true), ErrorKind::kOutOfFds);
  EXPECT_EQ(classify(sys(ENFILE), true), ErrorKind::kOutOfFds);
  EXPECT_EQ(classify(sys(EADDRNOTAVAIL), true), ErrorKind::kOutOfPorts);
  EXPECT_EQ(classify(sys(EINVAL), false), ErrorKind::kOther);
  EXPECT_EQ(classify(boost::asio::error::eof, false), ErrorKind::kOther) << "a non-system category";
  EXPECT_EQ(error_name(ErrorKind::kUnexpectedStatus, 503), "http_503");
  EXPECT_EQ(error_name(ErrorKind::kOutOfPorts, 0), "out_of_ephemeral_ports");
  for (int k = 0; k < static_cast<int>(ErrorKind::kCount); ++k)
    EXPECT_STRNE(to_string(static_cast<ErrorKind>(k)), "?") << "every kind has a JSON name";
}

}  // namespace
}  // namespace lab
