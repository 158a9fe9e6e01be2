#include "common/http/request_parser.h"

#include <charconv>

#include "common/text.h"

namespace lab {
namespace {}  // namespace

int status_for(ParseStatus s) {
  switch (s) {
    case ParseStatus::kBadRequest: return 400;
    case ParseStatus::kTooLarge: return 431;
    case ParseStatus::kPayloadTooLarge: return 413;
    case ParseStatus::kNotImplemented: return 501;
    default: return 200;
  }
}

ParseStatus RequestParser::parse(std::string_view buf) {
  if (sticky_ != ParseStatus::kIncomplete) return sticky_;
  if (phase_ == Phase::kHead) {
    const std::size_t limit = buf.size() < kMaxHeadBytes ? buf.size() : kMaxHeadBytes;
    while (scan_ < limit) {
      const char* p = static_cast<const char*>(__builtin_memchr(buf.data() + scan_, '\n', limit - scan_));
      if (p == nullptr) {
        scan_ = limit;
        break;
      }
      const std::size_t lf = static_cast<std::size_t>(p - buf.data());
      scan_ = lf + 1;
      ParseStatus st = on_line(buf, line_begin_, lf);
      line_begin_ = scan_;
      if (st != ParseStatus::kIncomplete) {
        if (st != ParseStatus::kComplete) return sticky_ = st;
        break;
      }
    }
    if (phase_ == Phase::kHead) {
      if (scan_ >= kMaxHeadBytes) return sticky_ = ParseStatus::kTooLarge;
      return ParseStatus::kIncomplete;
    }
  }
  if (phase_ == Phase::kBody && buf.size() >= req_.head_bytes + req_.content_length) phase_ = Phase::kDone;
  if (phase_ != Phase::kDone) return ParseStatus::kIncomplete;
  req_.method = buf.substr(method_off_, method_len_);
  req_.target = buf.substr(target_off_, target_len_);
  req_.total_bytes = req_.head_bytes + req_.content_length;
  return ParseStatus::kComplete;
}

// A line [begin, end) where buf[end] == '\n'. Returns kComplete when the head just ended.
ParseStatus RequestParser::on_line(std::string_view buf, std::size_t begin, std::size_t end) {
  std::size_t stop = end;
  if (stop > begin && buf[stop - 1] == '\r') --stop;
  std::string_view line = buf.substr(begin, stop - begin);
  if (lines_++ == 0) {
    method_off_ = begin;
    return on_request_line(line);
  }
  if (!line.empty()) {
    if (lines_ > kMaxHeaderCount + 1) return ParseStatus::kTooLarge;
    return on_header(line);
  }
  // Blank line: end of head.
  req_.head_bytes = end + 1;
  if (req_.version_minor == 0)
    req_.keep_alive = conn_keep_alive_ && !conn_close_;
  else
    req_.keep_alive = !conn_close_;
  phase_ = req_.content_length > 0 ? Phase::kBody : Phase::kDone;
  return ParseStatus::kComplete;
}

ParseStatus RequestParser::on_request_line(std::string_view line) {
  // method SP request-target SP HTTP/1.x ; exactly single spaces.
  const std::size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return ParseStatus::kBadRequest;  // includes HTTP/0.9
  const std::size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return ParseStatus::kBadRequest;
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (!is_token(method) || target.empty()) return ParseStatus::kBadRequest;
  for (unsigned char c : target)
    if (c <= 0x20 || c == 0x7f) return ParseStatus::kBadRequest;
  if (version.size() != 8 || version.substr(0, 7) != "HTTP/1." || version[7] < '0' || version[7] > '9')
    return ParseStatus::kBadRequest;
  method_len_ = method.size();
  target_off_ = method_off_ + sp1 + 1;
  target_len_ = target.size();
  req_.version_minor = version[7] - '0';
  return ParseStatus::kIncomplete;
}

ParseStatus RequestParser::on_header(std::string_view line) {
  if (line.front() == ' ' || line.front() == '\t') return ParseStatus::kBadRequest;  // obs-fold
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return ParseStatus::kBadRequest;
  std::string_view name = line.substr(0, colon);
  if (!is_token(name)) return ParseStatus::kBadRequest;  // also rejects "Name :"
  std::string_view value = trim_ows(line.substr(colon + 1));
  for (unsigned char c : value)
    if ((c < 0x20 && c != '\t') || c == 0x7f) return ParseStatus::kBadRequest;

  if (iequals(name, "content-length")) {
    std::size_t n = 0;
    if (value.empty()) return ParseStatus::kBadRequest;
    for (unsigned char c : value)
      if (c < '0' || c > '9') return ParseStatus::kBadRequest;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc{} || ptr != value.data() + value.size()) {
      return ec == std::errc::result_out_of_range ? ParseStatus::kPayloadTooLarge : ParseStatus::kBadRequest;
    }
    if (have_length_ && n != req_.content_length) return ParseStatus::kBadRequest;
    if (n > kMaxBodyBytes) return ParseStatus::kPayloadTooLarge;
    have_length_ = true;
    req_.content_length = n;
  } else if (iequals(name, "transfer-encoding")) {
    return ParseStatus::kNotImplemented;
  } else if (iequals(name, "connection")) {
    for_each_token(value, [&](std::string_view tok) {
      if (iequals(tok, "close")) conn_close_ = true;
      if (iequals(tok, "keep-alive")) conn_keep_alive_ = true;
    });
  }
  return ParseStatus::kIncomplete;
}

}  // namespace lab
