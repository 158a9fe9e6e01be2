#include "loadgen/live/forwarder.h"

#include <utility>  // Boost 1.74's awaitable.hpp needs it first

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "common/output_file.h"

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
  stop_now_ = true;
  cv_.notify_one();
  thread_.join();
}

// One exchange with the hub, whole within kExchange: the I/O is asynchronous on the
// forwarder's own io_context, run for that long at most and then cancelled (Beast's stream
// deadlines bind asynchronous operations only: a synchronous read from a hub that accepts and
// never answers waited for ever, and held the process after its run).
bool LiveForwarder::post(const std::string& body) {
  static constexpr auto kExchange = std::chrono::seconds(2);
  Conn& c = *conn_;
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = c.connected;
    http::request<http::string_body> req{http::verb::post, "/ingest", 11};
    req.set(http::field::host, host_ + ":" + port_);
    req.set(http::field::content_type, "application/json");
    req.set("X-Loadlab-Token", token_);
    req.keep_alive(true);
    req.body() = body;
    req.prepare_payload();
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    boost::system::error_code ec = asio::error::would_block;
    tcp::resolver resolver(c.io);
    auto exchange = [&] {
      c.stream.expires_after(kExchange);
      http::async_write(c.stream, req, [&](boost::system::error_code e, std::size_t) {
        if (e) {
          ec = e;
          return;
        }
        http::async_read(c.stream, buf, res, [&](boost::system::error_code e2, std::size_t) { ec = e2; });
      });
    };
    if (c.connected) {
      exchange();
    } else {
      resolver.async_resolve(host_, port_, [&](boost::system::error_code e, const tcp::resolver::results_type& r) {
        if (e) {
          ec = e;
          return;
        }
        c.stream.expires_after(kExchange);
        c.stream.async_connect(r, [&](boost::system::error_code e2, const tcp::endpoint&) {
          if (e2) {
            ec = e2;
            return;
          }
          c.connected = true;
          exchange();
        });
      });
    }
    c.io.restart();
    c.io.run_for(kExchange + std::chrono::milliseconds(500));
    if (ec == asio::error::would_block) {  // still waiting: cancel it, and let the handlers run
      resolver.cancel();
      c.stream.close();
      c.io.restart();
      c.io.run();
      c.connected = false;
      return false;
    }
    if (!ec) return res.result() == http::status::accepted;
    c.stream.close();
    c.connected = false;
    if (!reused || ec == beast::error::timeout) return false;
    // the hub closed a kept-alive connection: once more on a new one
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
      if (stop_now_) break;  // finish() waited as long as it would
      // The hub's /snapshot.json is each run's document once it ended (written once, not every
      // second), sent before the end itself; its /metrics follow the run each second.
      if (e.type == "end" && !warned_)
        post(json_text(nlohmann::json{{"type", "snapshot"}, {"data", nlohmann::json::parse(local_.snapshot())}}));
      bool ok = warned_ || post(json_text(nlohmann::json{{"type", e.type}, {"data", nlohmann::json::parse(e.data)}}));
      if (ok && !warned_ && (e.type == "tick" || e.type == "end"))
        post(json_text(nlohmann::json{{"type", "metrics"}, {"data", local_.metrics()}}));
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
