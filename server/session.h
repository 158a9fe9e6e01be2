#pragma once
// The per-connection behaviour every model shares, with no I/O in it: bytes in, replies out.
// A model's driver (blocking, reactor, Asio, io_uring) reads into on_bytes(), writes what
// pending() holds, reports it with on_written(), and closes when done(). The rules that do not
// depend on the driver live here once: keep-alive, pipelining in order, backpressure, the
// request's cost (--work-us, --io-wait-ms), and closing an idle connection once the server is
// stopping.
#include <netinet/in.h>

#include <chrono>
#include <string>
#include <string_view>

#include "common/http/request_parser.h"
#include "server/model.h"

namespace lab {

class Session {
 public:
  Session(const ModelContext& ctx, const sockaddr_in* peer);

  /// Takes received bytes and answers every complete request (pipelining included) until the
  /// connection must close, too much output is pending, or a request waits on its backend.
  void on_bytes(const char* data, std::size_t n);
  /// The peer closed its writing side (recv returned 0). Complete requests already received
  /// are still answered (a half-closed client reads the replies); then the connection closes.
  void on_peer_eof();
  /// The read deadline passed with no complete request.
  void on_read_timeout();

  std::string_view pending() const { return std::string_view(out_).substr(out_off_); }
  bool has_pending() const { return out_off_ < out_.size(); }
  void on_written(std::size_t n);

  /// True when input is wanted: not closing, not at EOF, no backend wait in progress, and
  /// output not backed up (resume after writing).
  bool wants_read() const { return !closing_ && !peer_eof_ && !waiting_ && pending().size() < kMaxPendingOut; }
  /// Close after pending output is written (error reply, seed reply, Connection: close, EOF,
  /// or the server stopping with nothing in progress).
  bool closing() const { return closing_; }
  bool done() const { return closing_ && !has_pending(); }
  /// Between requests: nothing buffered, nothing to write, nothing waiting (keep-alive idle).
  bool idle() const { return in_off_ == in_.size() && !has_pending() && !waiting_; }

  /// A request waits on its simulated backend call (--io-wait-ms) in an event-driven model:
  /// the driver arms a timer of its own mechanism for wait_for() and then calls on_wait_done().
  /// (Blocking models, and --io-wait-blocking, wait inside on_bytes instead.)
  bool waiting() const { return waiting_; }
  std::chrono::microseconds wait_for() const { return cfg_.io_wait; }
  void on_wait_done();

  /// True once for every batch of replies since the last call: the driver restarts the read
  /// deadline for the next request.
  bool take_replied() {
    const bool r = replied_;
    replied_ = false;
    return r;
  }
  /// Replies made so far.
  std::uint64_t replies() const { return replies_; }
  /// Bytes the peer has taken so far (on_written); drivers use it to tell a slow reader, whose
  /// count moves, from one that stopped.
  std::uint64_t bytes_written() const { return written_; }

  static constexpr std::size_t kMaxPendingOut = 256 * 1024;

 private:
  void process();
  void reply(std::string_view request_bytes, const Request& req);
  void reply_error(ParseStatus st);
  void clear_input();

  const ServerConfig& cfg_;
  ServerStats& stats_;
  const sockaddr_in* peer_;
  const bool keepalive_ok_;
  const WaitingProbe* waiting_probe_;
  const bool blocking_wait_;
  RequestParser parser_;
  std::string in_;
  std::size_t in_off_ = 0;   // in_ before this offset is answered
  std::string during_wait_;  // bytes received while a request waited on its backend
  std::string out_;
  std::size_t out_off_ = 0;
  bool closing_ = false;
  bool peer_eof_ = false;
  bool waiting_ = false;  // the request at in_off_ waits on its backend call
  bool replied_ = false;
  std::uint64_t replies_ = 0;
  std::uint64_t written_ = 0;
};

}  // namespace lab
