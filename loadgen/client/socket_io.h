#pragma once
// The mechanics every HTTP/1.1 client path shares (plain, ring, TLS): the connection opened by
// hand, handed to Asio's reactor when it must wait, the socket's own send and receive, and the
// response fed to its parser and judged. One place, so the paths cannot differ in what a
// failure is called (ClientPaths.* runs them against each other).
#include <cstddef>
#include <optional>
#include <string>

#include "loadgen/client/path.h"
#include "loadgen/client/tls.h"

namespace lab {

class ResponseParser;
struct Workload;

/// Reads of the rest of a response taken in a row before the user yields (16 x 64 KiB).
inline constexpr std::size_t kReadsBeforeYield = 16;

using boost::system::error_code;

Outcome fail(ErrorKind k, std::string detail);
error_code errno_code();

/// Opens a non-blocking socket to the target's next address (--addresses round-robin) and
/// starts its connect: true while the connect is still pending. `ec` set on failure.
bool open_and_connect_fd(Worker& w, Connection& c, error_code& ec);
/// The connection has to wait: Asio's reactor takes it over (one epoll_ctl) until its close.
error_code adopt(Connection& c);
/// Waits until a pending connect has finished; its result.
Task<error_code> finish_connect(Connection& c);
Outcome connect_failed(const User& u, const error_code& e);
Outcome read_timeout();

/// The socket's own non-blocking send and receive (EINTR retried, no SIGPIPE): a short count,
/// or 0 with `ec` = would_block, eof (receive) or the system's error.
std::size_t send_some(int fd, const char* data, std::size_t n, error_code& ec);
std::size_t recv_some(int fd, char* data, std::size_t n, error_code& ec);

/// The response bytes just read: nullopt while it is incomplete or complete and well-formed,
/// else the failure.
std::optional<Outcome> feed(ResponseParser& parser, const char* data, std::size_t n);
/// As feed, and the first bytes end the waiting phase (`any`: some arrived before).
std::optional<Outcome> received(Outcome& o, ResponseParser& parser, bool& any, Clock::time_point written,
                                const char* data, std::size_t n);
/// The connection closed: the end of a close-delimited response, or a failure.
std::optional<Outcome> at_eof(ResponseParser& parser, bool any);
/// A complete response: success if its status is expected.
Outcome finished(const Workload& wl, const ResponseParser& parser, Outcome o);
/// The socket's part of ending a connection (ClientPath::close).
void close_socket(Connection& c);

/// Waits until the socket is ready for what OpenSSL asked (handing it to Asio's reactor first).
Task<error_code> tls_wait(Connection& c, TlsWait want);
/// Opens `c` to the target and runs the TLS handshake (client/tls_connect.cpp): SNI, the name
/// check, the connection's last session resumed (--tls-resume), TCP_NODELAY. nullopt when
/// connected (`o`'s connect and tls phases set from `start`), else the failure; `u`'s timeout
/// ends the wait.
Task<std::optional<Outcome>> connect_tls(Worker& w, const User& u, Connection& c, asio::ssl::context& ctx,
                                         Clock::time_point start, Outcome& o);

}  // namespace lab
