#pragma once
// The per-connection behaviour every model shares, with no I/O in it: bytes in, replies out.
// A model's driver (blocking, reactor, Asio, io_uring) reads into on_bytes(), writes what
// pending() holds, reports it with on_written(), and closes when done().
#include <netinet/in.h>

#include <string>
#include <string_view>

#include "common/http_request_parser.h"
#include "server/config.h"
#include "server/stats.h"

namespace lab {

class Session {
 public:
  /// `keepalive_ok`: whether this model may keep a connection open between requests (http11).
  Session(const ServerConfig& cfg, ServerStats& stats, const sockaddr_in* peer, bool keepalive_ok);

  /// Takes received bytes and answers every complete request (pipelining included) until the
  /// connection must close or too much output is pending.
  void on_bytes(const char* data, std::size_t n);
  /// The peer closed its writing side (recv returned 0). Complete requests already received
  /// are still answered (a half-closed client reads the replies); then the connection closes.
  void on_peer_eof();
  /// The read deadline passed with no complete request.
  void on_read_timeout();

  std::string_view pending() const { return std::string_view(out_).substr(out_off_); }
  bool has_pending() const { return out_off_ < out_.size(); }
  void on_written(std::size_t n);

  /// True when no more input is wanted: closing, or output backed up (resume after writing).
  bool wants_read() const { return !closing_ && !peer_eof_ && pending().size() < kMaxPendingOut; }
  /// Close after pending output is written (error reply, seed reply, Connection: close, EOF).
  bool closing() const { return closing_; }
  bool done() const { return closing_ && !has_pending(); }
  /// Between requests: nothing buffered, nothing to write (keep-alive idle).
  bool idle() const { return in_off_ == in_.size() && !has_pending(); }
  /// Incremented for every reply; drivers use it to restart the read deadline.
  std::uint64_t replies() const { return replies_; }
  /// Bytes the peer has taken so far (on_written); drivers use it to tell a slow reader, whose
  /// count moves, from one that stopped reading.
  std::uint64_t bytes_written() const { return written_; }

  static constexpr std::size_t kMaxPendingOut = 256 * 1024;

 private:
  void process();
  void reply_error(ParseStatus st);
  void clear_input();

  const ServerConfig& cfg_;
  ServerStats& stats_;
  const sockaddr_in* peer_;
  bool keepalive_ok_;
  RequestParser parser_;
  std::string in_;
  std::size_t in_off_ = 0;  // in_ before this offset is answered
  std::string out_;
  std::size_t out_off_ = 0;
  bool closing_ = false;
  bool peer_eof_ = false;
  std::uint64_t replies_ = 0;
  std::uint64_t written_ = 0;
};

}  // namespace lab
