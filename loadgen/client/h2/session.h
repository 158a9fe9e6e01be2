#pragma once
// An HTTP/2 client session without I/O: nghttp2's state machine (its C API) fed the bytes the
// connection received and asked for the bytes to send, with each stream's events delivered to
// the request that owns it (StreamSink). The path (client/h2_path.cpp) moves the bytes; the fuzz
// target (tests/fuzz/fuzz_h2_response.cpp) feeds it frames; neither knows nghttp2's callbacks.
//
// The honest parts (docs/loadgen.md, "HTTP/2"):
// - streams: the session never submits beyond the server's SETTINGS_MAX_CONCURRENT_STREAMS
//   (nghttp2 would queue them silently, their clocks running): can_submit() says when it may;
// - the server's first SETTINGS is awaited before any request (until then nghttp2 assumes 100);
// - GOAWAY: streams above its last id close as refused; no new stream is submitted after it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "loadgen/client/h2/request.h"

struct nghttp2_session;

namespace lab {

/// What happens to one stream, as nghttp2 reports it (all on the session's thread).
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  // The session's bookkeeping of the stream (session.cpp): the request's body and how much of
  // it is sent, and whether the response's END_STREAM arrived.
  const std::string* body = nullptr;
  std::size_t body_sent = 0;
  bool end_stream = false;
  /// The response's HEADERS began (its first byte).
  virtual void on_response_begin() = 0;
  virtual void on_status(int code) = 0;
  virtual void on_data(std::size_t n) = 0;
  /// The stream ended: `complete` when the response's END_STREAM arrived; else `error_code` is
  /// the RST_STREAM's (or REFUSED_STREAM for one above a GOAWAY's last id).
  virtual void on_close(bool complete, std::uint32_t error_code) = 0;
};

/// The settings the client sends, as the result records them.
struct H2Settings {
  int window_bits = 30;  // stream and connection windows: 2^bits - 1 (h2load's default 30)
  std::uint32_t header_table_size = 4096;
};

class H2Session {
 public:
  explicit H2Session(const H2Settings& s);
  ~H2Session();
  H2Session(const H2Session&) = delete;
  H2Session& operator=(const H2Session&) = delete;

  /// The connection's bytes: false with `error` set when nghttp2 finds the connection broken
  /// (a protocol error: it has queued its GOAWAY; send it, then close).
  bool receive(const char* data, std::size_t n, std::string& error);
  /// Appends what nghttp2 has to send (the preface and SETTINGS first) to `out`; false with
  /// `error` on a fatal error.
  bool take_output(std::string& out, std::string& error);
  /// A new stream for `r` (its body read from `r`, which must live until the stream closes);
  /// the stream id, or 0 with `error` set.
  std::int32_t submit(const H2Request& r, StreamSink* sink, std::string& error);
  /// Resets a stream the client gave up on (CANCEL); its sink gets nothing more.
  void cancel(std::int32_t stream);

  bool settings_received() const { return settings_received_; }
  bool goaway_received() const { return goaway_; }
  std::uint32_t goaway_error() const { return goaway_error_; }
  /// The server's SETTINGS_MAX_CONCURRENT_STREAMS (unlimited: 2^31 - 1).
  std::uint32_t server_max_streams() const;
  /// Streams this client has open.
  int open_streams() const { return open_; }
  /// A new stream may start now: the server's SETTINGS are in, no GOAWAY, and a stream is free.
  bool can_submit(int cap) const;
  /// The stream's send window and the connection's, for a stalled request's classification.
  std::int32_t stream_send_window(std::int32_t stream) const;
  std::int32_t connection_send_window() const;
  /// nghttp2 has nothing more to read or write: the connection is over.
  bool finished() const;

  // nghttp2's callbacks (session.cpp) report here.
  void settings_arrived() { settings_received_ = true; }
  void goaway_arrived(std::uint32_t code) {
    goaway_ = true;
    goaway_error_ = code;
  }
  void stream_closed() { --open_; }
  void library_error(const char* msg, std::size_t n) { last_error_.assign(msg, n); }
  /// Why nghttp2 ended the session, in its words ("" if it did not say).
  const std::string& last_error() const { return last_error_; }

 private:
  nghttp2_session* s_ = nullptr;
  bool settings_received_ = false, goaway_ = false;
  std::uint32_t goaway_error_ = 0;
  int open_ = 0;
  std::string last_error_;
};

}  // namespace lab
