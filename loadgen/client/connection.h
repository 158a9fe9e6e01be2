#pragma once
// A user's connection, as its client path keeps it between requests: the socket (a bare fd
// until it first has to wait, then Asio's), the TLS or ring state of the paths that need one,
// and the response parser with the buffer the first read of each response goes into. The user
// owns it (one user, one connection, one request in flight: HTTP/1.1); only its client path
// reads or changes it (client/path.h).
#include <memory>

#include "common/http/response_parser.h"
#include "loadgen/client/task.h"
#include "loadgen/client/tls.h"
#include "loadgen/client/uring.h"

namespace lab {

struct Connection {
  explicit Connection(asio::io_context& io) : socket(io.get_executor()) {}
  Socket socket;  // https: the connection; http: the connection once it had to wait
  int fd = -1;    // http: the connection (Asio's socket holds it from its first wait); -1: none
  bool family_v6 = false;
  std::unique_ptr<UserTls> tls;     // https only, from the first connection
  std::unique_ptr<UringUser> ring;  // --client-io uring only, from the first request
  ResponseParser parser;            // reset per response: its line buffer is allocated once
  char first_buf[512];              // the first read of each response (most replies fit)
  int h2_group = -1;                // HTTP/2: which of the thread's shared connections carries this user's streams
};

}  // namespace lab
