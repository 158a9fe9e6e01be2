#include "server/session.h"

#include <cstdio>
#include <thread>

#include "common/http/reply.h"
#include "common/net.h"
#include "server/stop.h"
#include "server/work.h"

namespace lab {

Session::Session(const ModelContext& ctx, const sockaddr_in* peer)
    : cfg_(ctx.cfg), stats_(ctx.stats), peer_(peer), keepalive_ok_(ctx.model.keeps_alive), waiting_probe_(ctx.waiting),
      blocking_wait_(!ctx.model.event_driven || ctx.cfg.io_wait_blocking) {}

void Session::on_bytes(const char* data, std::size_t n) {
  if (closing_) return;  // bytes after the last request are discarded
  if (waiting_) {
    // The request being waited on is parsed in place: its views point into in_, which must not
    // move (reallocate) until it is answered. A driver that reads on during a wait (uring's
    // multishot receive) has its bytes kept here and appended after the reply.
    during_wait_.append(data, n);
    return;
  }
  if (in_off_ > 0) {  // drop the answered requests once, not one memmove per request
    in_.erase(0, in_off_);
    in_off_ = 0;
  }
  in_.append(data, n);
  process();
}

void Session::process() {
  while (!closing_ && !waiting_ && in_off_ < in_.size()) {
    if (pending().size() >= kMaxPendingOut) return;  // resumed by on_written
    const std::string_view input = std::string_view(in_).substr(in_off_);
    ParseStatus st = parser_.parse(input);
    if (st == ParseStatus::kIncomplete) break;
    if (st != ParseStatus::kComplete) {
      reply_error(st);
      return;
    }
    const Request& req = parser_.request();
    busy_work(cfg_.work);
    if (cfg_.io_wait.count() > 0) {
      if (!blocking_wait_) {  // the driver's timer calls on_wait_done
        waiting_ = true;
        return;
      }
      std::this_thread::sleep_for(cfg_.io_wait);
    }
    reply(input.substr(0, req.total_bytes), req);
  }
  if (peer_eof_ && !closing_ && !waiting_) {  // every complete request is answered; the rest cannot complete
    if (in_off_ < in_.size()) bump(stats_.peer_closed_early);
    clear_input();
    closing_ = true;
  }
}

void Session::on_wait_done() {
  if (!waiting_) return;
  waiting_ = false;
  const std::string_view input = std::string_view(in_).substr(in_off_);
  reply(input.substr(0, parser_.request().total_bytes), parser_.request());
  if (!during_wait_.empty()) {
    if (!closing_) in_.append(during_wait_);  // (reply() may have cleared what it answered)
    during_wait_.clear();
    during_wait_.shrink_to_fit();
  }
  process();
}

void Session::reply(std::string_view bytes, const Request& req) {
  if (cfg_.verbose) {
    std::string who = peer_ ? peer_string(*peer_) : "('?', 0)";
    std::fprintf(stdout, "[Client %s Info] %.*s\n", who.c_str(), static_cast<int>(bytes.size()), bytes.data());
  }
  const std::string_view body = cfg_.echo ? bytes : std::string_view(cfg_.body);
  const bool head = req.method == "HEAD";  // a reply to HEAD has no body (RFC 9110 9.3.2)
  if (cfg_.protocol == Protocol::kSeed) {
    append_seed_reply(out_, head ? std::string_view() : body);
    closing_ = true;
  } else {
    // A pooled worker with others waiting gives its connection up after this reply, saying so,
    // unless the client has already sent its next request (pipelined): that one is answered
    // first, and the connection yields at a reply with nothing behind it.
    const bool more_buffered = in_off_ + req.total_bytes < in_.size();
    const bool keep =
        keepalive_ok_ && req.keep_alive && (more_buffered || !(waiting_probe_ && waiting_probe_->others_waiting()));
    append_http11_reply(out_, body, keep, req.version_minor, head);
    if (!keep) closing_ = true;
  }
  bump(stats_.replies);
  ++replies_;
  replied_ = true;
  in_off_ += req.total_bytes;
  if (in_off_ == in_.size()) clear_input();
  parser_.reset();
  // Stopping: a connection with no request in progress closes once its replies are out.
  if (!closing_ && stop_requested() && in_off_ == in_.size()) closing_ = true;
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
