#pragma once
// Incremental HTTP/1.x response parser (the load generator's half of the protocol module).
//
// Fed arbitrary chunks; consumes the status line and headers (kept in a small reusable line
// buffer, tolerant of bare LF line endings as the seed reply uses), then the body delimited by
// Content-Length, chunked encoding, or the connection closing. Interim responses (100
// Continue, 103 Early Hints; not 101) are skipped: the final response follows them. Body bytes
// are counted, and kept only when a sink is set (tests). Garbage is a classified error, never
// undefined; heads and trailers are bounded (kMaxHead).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lab {

/// What a response is kept as when a scenario's request checks it, extracts from it or keeps
/// its cookies (loadgen/flow/): the final response's headers, and its body up to `max_body`
/// bytes (`body_over`: it had more, the rest counted only). Reused: clear() keeps the buffers.
struct ResponseCapture {
  std::vector<std::pair<std::string, std::string>> headers;  // [0, header_count) in use
  std::size_t header_count = 0;
  std::string body;
  std::size_t max_body = 1 << 20;
  bool keep_body = false;     // headers only unless set
  bool cookies_only = false;  // of the headers, only Set-Cookie (a jar is all that reads them)
  bool body_over = false;
  void clear() {
    header_count = 0;
    body.clear();
    body_over = false;
  }
  void add_header(std::string_view name, std::string_view value);
  /// The first header of that name (case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const;
};

enum class ResponseError : std::uint8_t {
  kNone,
  kBadStatusLine,
  kBadHeader,
  kBadLength,
  kBadChunk,
  kHeadTooLarge,      // a line over kMaxLine, or status line and headers over kMaxHead
  kTrailersTooLarge,  // chunked trailers over kMaxHead
  kTruncated,         // connection closed before the body's end
  kTlsRecord,         // the first bytes are a TLS record: the port speaks TLS
};
const char* to_string(ResponseError e);

class ResponseParser {
 public:
  enum class Status : std::uint8_t { kIncomplete, kComplete, kError };

  ResponseParser() { line_.reserve(256); }

  /// Consumes bytes; returns how many were used. After kComplete, unused bytes belong to the
  /// next response (keep-alive). On kError, error() says why.
  std::size_t feed(const char* data, std::size_t n);
  /// The peer closed the connection: completes a close-delimited body, else a truncation error.
  Status on_eof();
  Status status() const { return status_; }
  ResponseError error() const { return error_; }

  int status_code() const { return code_; }
  bool keep_alive() const { return keep_alive_; }  // per version and Connection header
  bool close_delimited() const { return mode_ == BodyMode::kUntilClose; }
  std::uint64_t body_bytes() const { return body_bytes_; }
  /// Start over for the next response on the same connection; keeps the line buffer.
  void reset();
  /// The request was HEAD: the response has no body whatever its headers say (kept by reset).
  void set_head_request(bool head) { head_request_ = head; }
  /// Keep body bytes here (for tests); nullptr to drop them.
  void set_body_sink(std::string* sink) { sink_ = sink; }
  /// Keep the final response's headers (and its body, bounded, if the capture asks) here;
  /// nullptr: keep nothing. Kept by reset, which clears the capture.
  void set_capture(ResponseCapture* c) {
    capture_ = c;
    if (c) c->clear();
  }

  static constexpr std::size_t kMaxLine = 8192;
  /// Status lines and headers of one response (interim 1xx responses included), and its
  /// trailers: a server that sends headers forever is an error, not a hang.
  static constexpr std::size_t kMaxHead = 65536;
  /// Interim (1xx other than 101) responses skipped before this one.
  int interim_responses() const { return interim_; }

 private:
  enum class Phase : std::uint8_t {
    kStatusLine,
    kHeaders,
    kBody,
    kChunkSize,
    kChunkData,
    kChunkDataEnd,
    kTrailers,
    kDone
  };
  enum class BodyMode : std::uint8_t { kNone, kLength, kChunked, kUntilClose };

  struct NoReserve {};
  explicit ResponseParser(NoReserve) {}  // reset's blank state: no line buffer to allocate

  bool take_line(const char*& p, const char* end, std::string_view& line);
  void fail(ResponseError e);
  void on_line(std::string_view line);
  void on_status_line(std::string_view line);
  void on_header(std::string_view line);
  void end_of_headers();
  void deliver(const char* p, std::size_t n);

  Phase phase_ = Phase::kStatusLine;
  BodyMode mode_ = BodyMode::kNone;
  Status status_ = Status::kIncomplete;
  ResponseError error_ = ResponseError::kNone;
  std::string line_;
  std::string* sink_ = nullptr;
  ResponseCapture* capture_ = nullptr;
  int code_ = 0;
  int version_minor_ = 1;
  bool keep_alive_ = true;
  bool conn_close_ = false, conn_keep_alive_ = false;
  bool chunked_ = false;
  bool have_length_ = false;
  std::uint64_t length_ = 0;     // Content-Length, or the current chunk's size
  std::uint64_t remaining_ = 0;  // of the current body part
  std::uint64_t body_bytes_ = 0;
  std::size_t head_bytes_ = 0;  // of the current phase: heads, or trailers
  int interim_ = 0;
  bool head_request_ = false;
};

}  // namespace lab
