#include "common/http/response_parser.h"

#include <algorithm>
#include <cstring>

#include "common/text.h"

namespace lab {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool parse_dec(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 18) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  out = v;
  return true;
}

bool parse_hex(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 15) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      d = c - 'A' + 10;
    else
      return false;
    v = v * 16 + static_cast<std::uint64_t>(d);
  }
  out = v;
  return true;
}

}  // namespace

const char* to_string(ResponseError e) {
  switch (e) {
    case ResponseError::kNone: return "none";
    case ResponseError::kBadStatusLine: return "bad status line";
    case ResponseError::kBadHeader: return "bad header";
    case ResponseError::kBadLength: return "bad content-length";
    case ResponseError::kBadChunk: return "bad chunk";
    case ResponseError::kHeadTooLarge: return "response head too large";
    case ResponseError::kTrailersTooLarge: return "trailers too large";
    case ResponseError::kTlsRecord: return "a TLS record (the server speaks TLS)";
    case ResponseError::kTruncated: return "truncated";
  }
  return "?";
}

void ResponseCapture::add_header(std::string_view name, std::string_view value) {
  if (cookies_only && !iequals(name, "set-cookie")) return;
  if (header_count == headers.size()) headers.emplace_back();
  auto& [n, v] = headers[header_count++];
  n.assign(name);
  v.assign(value);
}

const std::string* ResponseCapture::header(std::string_view name) const {
  for (std::size_t i = 0; i < header_count; ++i)
    if (iequals(headers[i].first, name)) return &headers[i].second;
  return nullptr;
}

void ResponseParser::reset() {
  std::string keep = std::move(line_);
  std::string* sink = sink_;
  ResponseCapture* capture = capture_;
  if (capture) capture->clear();
  const bool head = head_request_;
  *this = ResponseParser(NoReserve{});
  line_ = std::move(keep);
  line_.clear();
  sink_ = sink;
  capture_ = capture;
  head_request_ = head;
}

void ResponseParser::fail(ResponseError e) {
  status_ = Status::kError;
  error_ = e;
}

// Gathers one line (without its LF, and without a CR before it) into line_. Returns true when a
// whole line is available in `line`.
bool ResponseParser::take_line(const char*& p, const char* end, std::string_view& line) {
  const void* lf = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
  const char* stop = lf ? static_cast<const char*>(lf) : end;
  if (line_.size() + static_cast<std::size_t>(stop - p) > kMaxLine) {
    fail(ResponseError::kHeadTooLarge);
    return false;
  }
  if (!lf) {
    line_.append(p, end);
    p = end;
    return false;
  }
  if (line_.empty()) {
    line = std::string_view(p, static_cast<std::size_t>(stop - p));
  } else {
    line_.append(p, stop);
    line = line_;
  }
  p = stop + 1;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return true;
}

std::size_t ResponseParser::feed(const char* data, std::size_t n) {
  const char* p = data;
  const char* end = data + n;
  // A TLS server answers plain HTTP with a record: alert (0x15) or handshake (0x16), version
  // 3.x. No HTTP response can start with those bytes.
  if (n > 0 && phase_ == Phase::kStatusLine && head_bytes_ == 0 && line_.empty() &&
      (data[0] == 0x15 || data[0] == 0x16) && (n < 2 || data[1] == 0x03)) {
    fail(ResponseError::kTlsRecord);
    return 0;
  }
  while (p < end && status_ == Status::kIncomplete) {
    std::string_view line;
    switch (phase_) {
      case Phase::kStatusLine:
      case Phase::kHeaders:
      case Phase::kChunkSize:
      case Phase::kChunkDataEnd:
      case Phase::kTrailers: {
        const char* before = p;
        const bool whole = take_line(p, end, line);
        if (phase_ == Phase::kStatusLine || phase_ == Phase::kHeaders || phase_ == Phase::kTrailers) {
          head_bytes_ += static_cast<std::size_t>(p - before);
          if (head_bytes_ > kMaxHead && status_ == Status::kIncomplete)
            fail(phase_ == Phase::kTrailers ? ResponseError::kTrailersTooLarge : ResponseError::kHeadTooLarge);
        }
        if (!whole || status_ != Status::kIncomplete) break;
        on_line(line);
        line_.clear();
        break;
      }
      case Phase::kBody:
      case Phase::kChunkData: {
        std::size_t avail = static_cast<std::size_t>(end - p);
        if (mode_ == BodyMode::kUntilClose) {
          deliver(p, avail);
          p = end;
          break;
        }
        std::size_t take = remaining_ < avail ? static_cast<std::size_t>(remaining_) : avail;
        deliver(p, take);
        p += take;
        remaining_ -= take;
        if (remaining_ == 0) {
          if (phase_ == Phase::kChunkData) {
            phase_ = Phase::kChunkDataEnd;
          } else {
            phase_ = Phase::kDone;
            status_ = Status::kComplete;
          }
        }
        break;
      }
      case Phase::kDone: break;
    }
  }
  return static_cast<std::size_t>(p - data);
}

void ResponseParser::on_line(std::string_view line) {
  switch (phase_) {
    case Phase::kStatusLine: on_status_line(line); break;
    case Phase::kHeaders: line.empty() ? end_of_headers() : on_header(line); break;
    case Phase::kChunkSize: {
      std::string_view size = trim(line.substr(0, line.find(';')));
      if (!parse_hex(size, remaining_)) {
        fail(ResponseError::kBadChunk);
      } else if (remaining_ == 0) {
        phase_ = Phase::kTrailers;
        head_bytes_ = 0;  // the trailers' own budget
      } else {
        phase_ = Phase::kChunkData;
      }
      break;
    }
    case Phase::kChunkDataEnd:
      if (!line.empty())
        fail(ResponseError::kBadChunk);
      else
        phase_ = Phase::kChunkSize;
      break;
    case Phase::kTrailers:
      if (line.empty()) {
        phase_ = Phase::kDone;
        status_ = Status::kComplete;
      }
      break;
    default: break;
  }
}

void ResponseParser::deliver(const char* p, std::size_t n) {
  body_bytes_ += n;
  if (sink_) sink_->append(p, n);
  if (capture_ && capture_->keep_body) {
    const std::size_t room = capture_->max_body - std::min(capture_->max_body, capture_->body.size());
    capture_->body.append(p, std::min(room, n));
    if (n > room) capture_->body_over = true;
  }
}

void ResponseParser::on_status_line(std::string_view line) {
  // HTTP/1.x SP 3DIGIT [SP reason]
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || line[7] < '0' || line[7] > '9' || line[8] != ' ') {
    fail(ResponseError::kBadStatusLine);
    return;
  }
  version_minor_ = line[7] - '0';
  int code = 0;
  for (int i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') {
      fail(ResponseError::kBadStatusLine);
      return;
    }
    code = code * 10 + (line[i] - '0');
  }
  if (code < 100 || (line.size() > 12 && line[12] != ' ')) {
    fail(ResponseError::kBadStatusLine);
    return;
  }
  code_ = code;
  phase_ = Phase::kHeaders;
}

void ResponseParser::on_header(std::string_view line) {
  const std::size_t colon = line.find(':');
  if (colon == 0 || colon == std::string_view::npos) {
    fail(ResponseError::kBadHeader);
    return;
  }
  std::string_view name = line.substr(0, colon);
  std::string_view value = trim(line.substr(colon + 1));
  if (capture_) capture_->add_header(name, value);
  if (iequals(name, "content-length")) {
    std::uint64_t n = 0;
    if (!parse_dec(value, n) || (have_length_ && n != length_)) {
      fail(ResponseError::kBadLength);
      return;
    }
    have_length_ = true;
    length_ = n;
  } else if (iequals(name, "transfer-encoding")) {
    // chunked must be the final coding
    std::string_view v = value;
    const std::size_t comma = v.rfind(',');
    if (comma != std::string_view::npos) v = trim(v.substr(comma + 1));
    chunked_ = iequals(v, "chunked");
  } else if (iequals(name, "connection")) {
    for_each_token(value, [&](std::string_view tok) {
      if (iequals(tok, "close")) conn_close_ = true;
      if (iequals(tok, "keep-alive")) conn_keep_alive_ = true;
    });
  }
}

void ResponseParser::end_of_headers() {
  if (code_ >= 100 && code_ < 200 && code_ != 101) {  // interim: the final response follows
    ++interim_;
    if (capture_) capture_->header_count = 0;  // the final response's headers, not an interim's
    phase_ = Phase::kStatusLine;
    code_ = 0;
    conn_close_ = conn_keep_alive_ = chunked_ = have_length_ = false;
    length_ = 0;
    return;  // head_bytes_ runs on: endless interims hit kMaxHead
  }
  keep_alive_ = version_minor_ == 0 ? (conn_keep_alive_ && !conn_close_) : !conn_close_;
  const bool bodyless = head_request_ || code_ < 200 || code_ == 204 || code_ == 304;  // RFC 9112 6.3
  if (bodyless) {
    mode_ = BodyMode::kNone;
  } else if (chunked_) {
    mode_ = BodyMode::kChunked;
  } else if (have_length_) {
    mode_ = BodyMode::kLength;
    remaining_ = length_;
  } else {
    mode_ = BodyMode::kUntilClose;
    keep_alive_ = false;
  }
  switch (mode_) {
    case BodyMode::kNone:
      phase_ = Phase::kDone;
      status_ = Status::kComplete;
      break;
    case BodyMode::kChunked: phase_ = Phase::kChunkSize; break;
    case BodyMode::kLength:
      if (remaining_ == 0) {
        phase_ = Phase::kDone;
        status_ = Status::kComplete;
      } else {
        phase_ = Phase::kBody;
      }
      break;
    case BodyMode::kUntilClose: phase_ = Phase::kBody; break;
  }
}

ResponseParser::Status ResponseParser::on_eof() {
  if (status_ != Status::kIncomplete) return status_;
  if (phase_ == Phase::kBody && mode_ == BodyMode::kUntilClose) {
    phase_ = Phase::kDone;
    status_ = Status::kComplete;
  } else {
    fail(ResponseError::kTruncated);
  }
  return status_;
}

}  // namespace lab
