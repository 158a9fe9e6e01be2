#pragma once
// Incremental HTTP/1.x request parser (the server's half of the protocol module).
//
// The caller owns the bytes: it keeps every byte of the current request in one contiguous
// buffer and calls parse() again whenever more arrive. The parser remembers how far it has
// scanned, so each byte is examined once whatever the chunking (one byte at a time works),
// it never reads past the view it is given, and it allocates nothing.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace lab {

inline constexpr std::size_t kMaxHeadBytes = 8192;   // request line + headers + blank line
inline constexpr std::size_t kMaxBodyBytes = 65536;  // Content-Length above this -> 413
inline constexpr int kMaxHeaderCount = 100;          // more header lines -> 431

enum class ParseStatus {
  kIncomplete,       // need more bytes
  kComplete,         // request() is valid; request().total_bytes were consumed
  kBadRequest,       // 400
  kTooLarge,         // 431: head over kMaxHeadBytes or too many headers
  kPayloadTooLarge,  // 413: Content-Length over kMaxBodyBytes
  kNotImplemented,   // 501: Transfer-Encoding in a request
};

struct Request {
  std::string_view method;
  std::string_view target;
  int version_minor = 1;   // HTTP/1.<minor>
  bool keep_alive = true;  // HTTP/1.1 default, changed by Connection
  std::size_t content_length = 0;
  std::size_t head_bytes = 0;   // through the blank line
  std::size_t total_bytes = 0;  // head + body
};

class RequestParser {
 public:
  /// Parses `buf`, which holds the current request from its first byte. Between calls `buf`
  /// may only grow at the end (it may move in memory). Views in request() point into `buf`.
  ParseStatus parse(std::string_view buf);
  const Request& request() const { return req_; }
  /// Starts over for the next request (e.g. the next pipelined one).
  void reset() { *this = RequestParser{}; }

 private:
  ParseStatus on_line(std::string_view buf, std::size_t begin, std::size_t end);
  ParseStatus on_request_line(std::string_view line);
  ParseStatus on_header(std::string_view line);

  enum class Phase : std::uint8_t { kHead, kBody, kDone };
  Phase phase_ = Phase::kHead;
  std::size_t scan_ = 0;        // next byte to examine
  std::size_t line_begin_ = 0;  // start of the line being scanned
  int lines_ = 0;
  std::size_t method_off_ = 0, method_len_ = 0, target_off_ = 0, target_len_ = 0;
  bool have_length_ = false;
  bool conn_close_ = false, conn_keep_alive_ = false;
  ParseStatus sticky_ = ParseStatus::kIncomplete;  // an error, once found, stays
  Request req_;
};

/// The name of the status code a failed parse maps to (400, 413, 431, 501).
int status_for(ParseStatus s);

}  // namespace lab
