#pragma once
// Socket and resource-limit helpers shared by server and loadgen. Every call's result is
// checked; failures come back as an errno-carrying result with a message, never silently.
#include <netinet/in.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace lab {

struct FdLimit {
  std::uint64_t soft = 0, hard = 0;
  bool raised = false;
};
/// Raises RLIMIT_NOFILE's soft limit to the hard limit; returns what is in force afterwards.
FdLimit raise_fd_limit();
/// Number of fds open in this process (counts /proc/self/fd), -1 if unreadable.
int count_open_fds();

/// SIGPIPE must never kill a process writing to sockets.
void ignore_sigpipe();

struct ListenOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0: the kernel picks a free port
  int backlog = 4096;      // capped by net.core.somaxconn
  bool reuseport = false;
  bool nonblocking = false;
};
/// Returns a listening fd, or -1 with `error` set (naming the call and errno).
int make_listener(const ListenOptions& o, std::string& error);
std::uint16_t local_port(int fd);
std::string peer_string(const sockaddr_in& a);  // "('127.0.0.1', 52843)" as the original printed

bool set_nonblocking(int fd, bool on = true);
/// TCP_NODELAY: a reply's last partial segment goes out at once instead of waiting for the
/// peer's acknowledgement of the previous ones (Nagle), which a delayed ACK can hold for 40 ms.
bool set_nodelay(int fd);

/// True when input is waiting unread (a non-blocking MSG_PEEK finds bytes); EOF or nothing
/// waiting: false. Closing with unread input makes the kernel send RST, which can destroy the
/// reply still in flight to the client, so this also says when a close must linger.
bool input_waiting(int fd);

/// Closes a connection without destroying a reply still in flight. When nothing is unread
/// (input_waiting false) that is a plain close, as nginx does; otherwise shut down writing,
/// discard what has arrived, then read and discard until the peer closes or `linger` passes
/// (nginx's lingering close). Works on blocking and non-blocking fds (it waits with poll()).
void lingering_close(int fd, std::chrono::milliseconds linger);

/// Writes all of `n` bytes to a blocking or non-blocking fd, waiting with poll() up to
/// `timeout` in total. Returns 0, or the errno (ETIMEDOUT on timeout).
int write_all(int fd, const char* data, std::size_t n, std::chrono::milliseconds timeout);

/// Accept errors that a server should survive (retry or skip) versus ones that are fatal.
enum class AcceptErrorKind { kRetry, kOutOfFds, kFatal };
AcceptErrorKind classify_accept_error(int err);

/// Reads net.core.somaxconn (-1 if unreadable).
int somaxconn();

}  // namespace lab
