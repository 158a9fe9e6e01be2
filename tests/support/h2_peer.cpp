#include "tests/support/h2_peer.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>

#include "common/net.h"
#include "tests/support/client.h"

namespace labtest {

namespace {

enum : std::uint8_t { kData = 0, kHeaders = 1, kRst = 3, kSettings = 4, kGoaway = 7, kWindowUpdate = 8 };
enum : std::uint8_t { kEndStream = 1, kAck = 1, kEndHeaders = 4 };

std::string u32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

std::string frame(std::uint8_t type, std::uint8_t flags, std::uint32_t stream, const std::string& payload) {
  const auto n = static_cast<std::uint32_t>(payload.size());
  std::string f = {static_cast<char>(n >> 16), static_cast<char>(n >> 8), static_cast<char>(n), static_cast<char>(type),
                   static_cast<char>(flags)};
  return f + u32(stream) + payload;
}

std::string setting(std::uint16_t id, std::uint32_t value) {
  return std::string{static_cast<char>(id >> 8), static_cast<char>(id)} + u32(value);
}

// Reads exactly n bytes; false when the peer is gone.
bool read_n(int fd, std::string& into, std::size_t n) {
  into.resize(n);
  std::size_t got = 0;
  while (got < n) {
    const ssize_t r = ::recv(fd, into.data() + got, n - got, 0);
    if (r <= 0) return false;
    got += static_cast<std::size_t>(r);
  }
  return true;
}

}  // namespace

H2Peer::H2Peer(Mode m) : mode_(m) {
  lab::ListenOptions o;
  o.nonblocking = true;
  std::string err;
  fd_ = lab::make_listener(o, err);
  if (fd_ < 0) throw std::runtime_error("H2Peer: " + err);
  port_ = lab::local_port(fd_);
  acceptor_ = std::thread([this] { accept_loop(); });
}

H2Peer::~H2Peer() {
  stop_ = true;
  acceptor_.join();
  {
    std::lock_guard lk(mu_);
    for (int c : fds_) shutdown(c, SHUT_RDWR);  // wakes a thread blocked in recv or sleeping
  }
  for (auto& t : conns_) t.join();
  for (int c : fds_) close(c);
  close(fd_);
}

std::string H2Peer::url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

void H2Peer::accept_loop() {
  while (!stop_) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 20) <= 0) continue;
    const int c = accept(fd_, nullptr, nullptr);
    if (c < 0) continue;
    ++accepted_;
    std::lock_guard lk(mu_);
    fds_.push_back(c);
    conns_.emplace_back([this, c] { serve(c); });
  }
}

void H2Peer::serve(int c) {
  std::string buf;
  if (!read_n(c, buf, 24) || buf != std::string("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24)) return;
  if (mode_ == kNoSettings) {
    while (!stop_ && read_n(c, buf, 1)) {
    }
    return;
  }
  std::string settings;
  if (mode_ == kOneStream) settings = setting(3, 1);
  if (mode_ == kWindowClosed) settings = setting(4, 0);
  if (mode_ == kStopsReading) settings = setting(4, (1u << 30) - 1);
  std::string hello = frame(kSettings, 0, 0, settings);
  if (mode_ == kStopsReading) hello += frame(kWindowUpdate, 0, 0, u32((1u << 30) - 65536));
  if (mode_ == kGarbage) hello += frame(kData, 0, 0, "junk");
  if (!send_all(c, hello)) return;
  if (mode_ == kStopsReading) {
    while (!stop_) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return;
  }
  int requests = 0;
  std::uint32_t last = 0;
  bool gone_away = false;
  std::string head;
  while (!stop_ && read_n(c, head, 9)) {
    const std::uint32_t len = (static_cast<std::uint8_t>(head[0]) << 16) | (static_cast<std::uint8_t>(head[1]) << 8) |
                              static_cast<std::uint8_t>(head[2]);
    const auto type = static_cast<std::uint8_t>(head[3]);
    const auto flags = static_cast<std::uint8_t>(head[4]);
    const std::uint32_t stream = ((static_cast<std::uint8_t>(head[5]) & 0x7f) << 24) |
                                 (static_cast<std::uint8_t>(head[6]) << 16) |
                                 (static_cast<std::uint8_t>(head[7]) << 8) | static_cast<std::uint8_t>(head[8]);
    if (!read_n(c, buf, len)) return;
    if (type == kSettings && !(flags & kAck)) {
      if (!send_all(c, frame(kSettings, kAck, 0, ""))) return;
      continue;
    }
    // a request is complete at its END_STREAM (on its HEADERS, or its body's last DATA)
    if (!((type == kHeaders || type == kData) && (flags & kEndStream)) || gone_away) continue;
    ++requests;
    std::string reply;
    if ((mode_ == kResetSome || mode_ == kRefuseSome) && requests % 3 == 0) {
      reply = frame(kRst, 0, stream, u32(mode_ == kResetSome ? 2 : 7));  // INTERNAL_ERROR, REFUSED_STREAM
    } else {
      reply = frame(kHeaders, kEndStream | kEndHeaders, stream, std::string(1, '\x88'));  // :status 200
      ++answered_;
      last = stream;
    }
    if (mode_ == kGoAway && requests == 5) {
      reply += frame(kGoaway, 0, 0, u32(last) + u32(0));  // NO_ERROR: a graceful shutdown
      gone_away = true;
    }
    if (!send_all(c, reply)) return;
    if (gone_away) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      std::lock_guard lk(mu_);
      shutdown(c, SHUT_RDWR);
      return;
    }
  }
}

}  // namespace labtest
