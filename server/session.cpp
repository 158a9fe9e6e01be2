#include "server/session.h"

#include <cstdio>

#include "common/http_reply.h"
#include "common/net.h"

namespace lab {

Session::Session(const ServerConfig& cfg, ServerStats& stats, const sockaddr_in* peer,
                 bool keepalive_ok)
    : cfg_(cfg), stats_(stats), peer_(peer), keepalive_ok_(keepalive_ok) {}

void Session::on_bytes(const char* data, std::size_t n) {
  if (closing_) return;  // bytes after the last request are discarded
  if (in_off_ > 0) {  // drop the answered requests once, not one memmove per request
    in_.erase(0, in_off_);
    in_off_ = 0;
  }
  in_.append(data, n);
  process();
}

void Session::process() {
  while (!closing_ && in_off_ < in_.size()) {
    if (pending().size() >= kMaxPendingOut) return;  // resumed by on_written
    const std::string_view input = std::string_view(in_).substr(in_off_);
    ParseStatus st = parser_.parse(input);
    if (st == ParseStatus::kIncomplete) break;
    if (st != ParseStatus::kComplete) {
      reply_error(st);
      return;
    }
    const Request& req = parser_.request();
    std::string_view bytes = input.substr(0, req.total_bytes);
    if (cfg_.verbose) {
      std::string who = peer_ ? peer_string(*peer_) : "('?', 0)";
      std::fprintf(stdout, "[Client %s Info] %.*s\n", who.c_str(), static_cast<int>(bytes.size()),
                   bytes.data());
    }
    if (cfg_.protocol == Protocol::kSeed) {
      append_seed_reply(out_, bytes);
      closing_ = true;
    } else {
      const bool keep = keepalive_ok_ && req.keep_alive;
      append_http11_reply(out_, bytes, keep, req.version_minor);
      if (!keep) closing_ = true;
    }
    bump(stats_.replies);
    ++replies_;
    in_off_ += req.total_bytes;
    if (in_off_ == in_.size()) {
      in_.clear();
      in_off_ = 0;
    }
    parser_.reset();
  }
  if (peer_eof_ && !closing_) {  // every complete request is answered; the rest cannot complete
    if (in_off_ < in_.size()) bump(stats_.peer_closed_early);
    clear_input();
    closing_ = true;
  }
}

void Session::reply_error(ParseStatus st) {
  const int status = status_for(st);
  switch (st) {
    case ParseStatus::kBadRequest: bump(stats_.bad_request); break;
    case ParseStatus::kTooLarge: bump(stats_.too_large); break;
    case ParseStatus::kPayloadTooLarge: bump(stats_.payload_too_large); break;
    case ParseStatus::kNotImplemented: bump(stats_.not_implemented); break;
    default: break;
  }
  append_error_reply(out_, status);
  closing_ = true;
  clear_input();
}

void Session::clear_input() {
  in_.clear();
  in_off_ = 0;
}

void Session::on_peer_eof() {
  peer_eof_ = true;
  process();  // requests already received (held back by backpressure too) are still answered
}

void Session::on_read_timeout() {
  if (!idle() || replies_ == 0) bump(stats_.read_timeouts);
  closing_ = true;
  clear_input();
}

void Session::on_written(std::size_t n) {
  written_ += n;
  out_off_ += n;
  if (out_off_ >= out_.size()) {
    out_.clear();
    out_off_ = 0;
    process();  // requests held back while output was backed up
  }
}

}  // namespace lab
