#include "loadgen/live/forwarder.h"

#include <utility>  // Boost 1.74's awaitable.hpp needs it first

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>

#include <nlohmann/json.hpp>

namespace lab {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct LiveForwarder::Conn {
  asio::io_context io;
  beast::tcp_stream stream{io};
  bool connected = false;
};

LiveForwarder::LiveForwarder(LiveHub& local, std::string hub_address, std::string token)
    : local_(local), token_(std::move(token)) {
  const auto colon = hub_address.rfind(':');
  host_ = colon == std::string::npos ? "127.0.0.1" : hub_address.substr(0, colon);
  port_ = colon == std::string::npos ? hub_address : hub_address.substr(colon + 1);
  if (!host_.empty() && host_.front() == '[') host_ = host_.substr(1, host_.size() - 2);
  conn_ = new Conn;
  local_.on_publish([this] {  // (under the hub's lock: only a notification)
    {
      std::lock_guard lk(mu_);
      woken_ = true;
    }
    cv_.notify_one();
  });
  thread_ = std::thread([this] { loop(); });
}

LiveForwarder::~LiveForwarder() {
  finish(0);
  delete conn_;
}

void LiveForwarder::finish(int wait_ms) {
  if (!thread_.joinable()) return;
  local_.on_publish(nullptr);
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  while (sent_ < local_.last_id() && std::chrono::steady_clock::now() < until && !warned_)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  {
    std::lock_guard lk(mu_);
    finishing_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

bool LiveForwarder::post(const std::string& body) {
  Conn& c = *conn_;
  boost::system::error_code ec;
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!c.connected) {
      tcp::resolver resolver(c.io);
      const auto addrs = resolver.resolve(host_, port_, ec);
      if (!ec) {
        c.stream.expires_after(std::chrono::seconds(2));
        c.stream.connect(addrs, ec);
      }
      if (ec) return false;
      c.connected = true;
    }
    http::request<http::string_body> req{http::verb::post, "/ingest", 11};
    req.set(http::field::host, host_ + ":" + port_);
    req.set(http::field::content_type, "application/json");
    req.set("X-Loadlab-Token", token_);
    req.keep_alive(true);
    req.body() = body;
    req.prepare_payload();
    c.stream.expires_after(std::chrono::seconds(2));
    http::write(c.stream, req, ec);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    if (!ec) http::read(c.stream, buf, res, ec);
    if (!ec) return res.result() == http::status::accepted;
    c.stream.close();  // the hub closed a kept-alive connection: once more on a new one
    c.connected = false;
  }
  return false;
}

void LiveForwarder::loop() {
  for (;;) {
    {
      std::unique_lock lk(mu_);
      cv_.wait_for(lk, std::chrono::milliseconds(200), [this] { return woken_ || finishing_; });
      woken_ = false;
    }
    for (const LiveEvent& e : local_.events_after(sent_.load(), 200)) {
      // The hub's /snapshot.json is each run's document once it ended (written once, not every
      // second), sent before the end itself; its /metrics follow the run each second.
      if (e.type == "end" && !warned_)
        post(nlohmann::json{{"type", "snapshot"}, {"data", nlohmann::json::parse(local_.snapshot())}}.dump());
      bool ok = warned_ || post(nlohmann::json{{"type", e.type}, {"data", nlohmann::json::parse(e.data)}}.dump());
      if (ok && !warned_ && (e.type == "tick" || e.type == "end"))
        post(nlohmann::json{{"type", "metrics"}, {"data", local_.metrics()}}.dump());
      if (!ok && !warned_) {
        warned_ = true;
        std::fprintf(stderr,
                     "loadgen: warning: the live hub at %s:%s does not take events; the run goes on without it\n",
                     host_.c_str(), port_.c_str());
      }
      sent_ = e.id;
    }
    std::lock_guard lk(mu_);
    if (finishing_) return;
  }
}

}  // namespace lab
