#include "loadgen/outputs/http_post.h"

#include <utility>  // Boost 1.74's awaitable.hpp needs it first

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "common/format.h"

namespace lab {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string HttpReply::what() const {
  if (status == 0) return error;
  std::string b = body.substr(0, 200);
  while (!b.empty() && (b.back() == '\n' || b.back() == '\r')) b.pop_back();
  return "HTTP " + std::to_string(status) + (b.empty() ? "" : ": " + b);
}

std::pair<std::string, std::string> split_host_port(const std::string& address) {
  const auto colon = address.rfind(':');
  std::string host = colon == std::string::npos ? "127.0.0.1" : address.substr(0, colon);
  std::string port = colon == std::string::npos ? address : address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return {host, port};
}

struct HttpPoster::Conn {
  asio::io_context io;
  beast::tcp_stream stream{io};
  bool connected = false;
};

HttpPoster::HttpPoster(std::string host, std::string port)
    : host_(std::move(host)), port_(std::move(port)), conn_(std::make_unique<Conn>()) {}
HttpPoster::~HttpPoster() = default;

HttpReply HttpPoster::post(const std::string& target, const HttpHeaders& headers, const std::string& body,
                           std::chrono::milliseconds deadline) {
  Conn& c = *conn_;
  HttpReply reply;
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = c.connected;
    http::request<http::string_body> req{http::verb::post, target, 11};
    req.set(http::field::host, host_.find(':') != std::string::npos ? "[" + host_ + "]:" + port_ : host_ + ":" + port_);
    req.set(http::field::user_agent, "loadgen");
    for (const auto& [k, v] : headers) req.set(k, v);
    req.keep_alive(true);
    req.body() = body;
    req.prepare_payload();
    beast::flat_buffer buf;
    http::response_parser<http::string_body> res;
    res.body_limit(1 << 20);
    boost::system::error_code ec = asio::error::would_block;
    tcp::resolver resolver(c.io);
    auto exchange = [&] {
      c.stream.expires_after(deadline);
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
        c.stream.expires_after(deadline);
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
    c.io.run_for(deadline + std::chrono::milliseconds(500));
    if (ec == asio::error::would_block) {  // still waiting: cancel it, and let the handlers run
      resolver.cancel();
      c.stream.close();
      c.io.restart();
      c.io.run();
      c.connected = false;
      reply.error = "no answer within " + fixed(std::chrono::duration<double>(deadline).count(), "%.1f") + " s";
      return reply;
    }
    if (!ec) {
      const auto& m = res.get();
      reply.status = static_cast<int>(m.result_int());
      reply.body = m.body().substr(0, 4096);
      if (!m.keep_alive()) {
        c.stream.close();
        c.connected = false;
      }
      return reply;
    }
    c.stream.close();
    c.connected = false;
    reply.error = ec == beast::error::timeout
                      ? "no answer within " + fixed(std::chrono::duration<double>(deadline).count(), "%.1f") + " s"
                      : ec.message();
    if (!reused || ec == beast::error::timeout) return reply;
    // the receiver closed a kept-alive connection: once more on a new one
  }
  return reply;
}

}  // namespace lab
