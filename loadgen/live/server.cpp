#include "loadgen/live/server.h"

#include <utility>  // Boost 1.74's awaitable.hpp needs it first

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <chrono>
#include <cmath>
#include <list>
#include <sstream>

#include <nlohmann/json.hpp>

#include "loadgen/live/page.h"
#include "loadgen/live/requests.h"
#include "common/output_file.h"

namespace lab {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

std::string_view header(const http::request<http::string_body>& req, std::string_view name) {
  const auto h = req.find(beast::string_view(name.data(), name.size()));
  return h == req.end() ? std::string_view() : std::string_view(h->value().data(), h->value().size());
}

// A quiet event stream sends a comment this often (proxies and browsers keep it open).
constexpr auto kKeepAlive = 15s;

// A response as the bytes on the wire.
std::string to_text(const http::response<http::string_body>& res) {
  std::ostringstream text;
  text << res;
  return std::move(text).str();
}

// asio::async_write's completion condition that gives every write its own deadline: it runs
// before each write (the first included) and renews the stream's timer. The deadline is for
// progress, not the whole: a listener is dropped when its socket takes nothing for `deadline`
// (it stopped reading), not when a backlog (up to 500 events at once for one that joins late)
// takes a slow but reading listener longer than that to receive: that one would be dropped,
// reconnect, get the same backlog, and be dropped again.
struct EachWriteInTime {
  beast::tcp_stream& stream;
  std::chrono::milliseconds deadline;
  std::size_t operator()(const boost::system::error_code& ec, std::size_t /*done*/) const {
    if (ec) return 0;
    stream.expires_after(deadline);
    return 64 * 1024;  // at most this much a write, as Asio's default
  }
};

}  // namespace

std::string parse_live_address(const std::string& text, LiveOptions& out) {
  std::string addr = "127.0.0.1", port = text;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find("]:");
    if (close == std::string::npos) return "'" + text + "' is not [IPv6]:PORT";
    addr = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else if (const auto colon = text.rfind(':'); colon != std::string::npos) {
    addr = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (addr == "localhost") addr = "127.0.0.1";
  boost::system::error_code ec;
  asio::ip::make_address(addr, ec);
  if (ec) return "'" + addr + "' is not an IP address (e.g. --live 8089, --live 127.0.0.1:8089, --live [::1]:0)";
  unsigned p = 0;
  auto [ptr, perr] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (port.empty() || perr != std::errc{} || ptr != port.data() + port.size() || p > 65535)
    return "'" + port + "' is not a port from 0 to 65535 (0: pick one)";
  out.address = addr;
  out.port = static_cast<std::uint16_t>(p);
  return {};
}

std::string check_live_exposure(LiveOptions& o, std::string& warning) {
  warning.clear();
  boost::system::error_code ec;
  const auto addr = asio::ip::make_address(o.address, ec);
  if (ec) return "'" + o.address + "' is not an IP address";
  if (addr.is_loopback()) return {};
  if (o.allowed_hosts.empty())
    return "--live " + o.address +
           " listens beyond this machine: name the host names its page is reached by with --live-allow-host "
           "NAME[,NAME] (others are refused, so a page on another site that rebinds its name here cannot read "
           "the run), or bind 127.0.0.1";
  if (o.control && o.control_token.empty()) o.control_token = random_token();
  warning = "the live view listens on " + o.address + ", beyond this machine: anyone who can reach it reads the run";
  if (o.control)
    warning += "; steering needs the token in the printed URL (or X-Loadlab-Token: " + o.control_token + ")";
  return {};
}

struct LiveServer::Impl {
  Impl(LiveHub& h, LiveOptions o, std::atomic<std::uint64_t>& d, std::atomic<std::uint64_t>& r)
      : hub(h), opt(std::move(o)), dropped(d), refused(r) {}
  LiveHub& hub;
  LiveOptions opt;
  std::atomic<std::uint64_t>& dropped;
  std::atomic<std::uint64_t>& refused;
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  std::thread thread;
  std::list<asio::steady_timer*> waiting;  // event streams waiting for the next event (io thread)
  std::list<beast::tcp_stream*> open;      // every connection, closed at stop (io thread)
  std::atomic<int> streams{0};             // event streams still sending (they flush at stop)
  bool stopping = false;

  http::response<http::string_body> reply(http::status st, const std::string& type, std::string body) {
    http::response<http::string_body> res{st, 11};
    res.set(http::field::content_type, type);
    res.set(http::field::cache_control, "no-store");
    res.set("X-Content-Type-Options", "nosniff");
    res.body() = std::move(body);
    return res;
  }
  http::response<http::string_body> error(http::status st, const std::string& why) {
    return reply(st, "application/json", json_text(json{{"error", why}}) + "\n");
  }

  http::response<http::string_body> route(const http::request<http::string_body>& req, std::string_view path) {
    const bool get = req.method() == http::verb::get || req.method() == http::verb::head;
    if (path == "/") {
      if (!get) return error(http::status::method_not_allowed, "GET only");
      auto res = reply(http::status::ok, "text/html; charset=utf-8", std::string(live_page()));
      // The page needs nothing from anywhere else.
      res.set("Content-Security-Policy",
              "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
              "img-src 'self' data:; base-uri 'none'; form-action 'none'");
      return res;
    }
    if (path == "/snapshot.json") {
      if (!get) return error(http::status::method_not_allowed, "GET only");
      return reply(http::status::ok, "application/json", hub.snapshot() + "\n");
    }
    if (path == "/metrics") {
      if (!get) return error(http::status::method_not_allowed, "GET only");
      return reply(http::status::ok, "text/plain; version=0.0.4; charset=utf-8", hub.metrics());
    }
    if (path == "/control") return control(req);
    if (path == "/ingest") return ingest(req);
    return error(http::status::not_found, "no such page (/, /events, /snapshot.json, /metrics, /control)");
  }

  http::response<http::string_body> control(const http::request<http::string_body>& req) {
    if (req.method() != http::verb::post) return error(http::status::method_not_allowed, "POST a JSON change");
    if (!opt.control || !opt.steering || !opt.model)
      return error(http::status::forbidden, "steering is off: start loadgen with --live-control to allow it");
    if (req.find("X-Loadlab-Control") == req.end())
      return error(http::status::forbidden,
                   "a control request needs the X-Loadlab-Control header (cross-site requests are refused)");
    if (!opt.control_token.empty() && !same_secret(header(req, "X-Loadlab-Token"), opt.control_token))
      return error(http::status::forbidden,
                   "this listener is reachable beyond loopback: a control needs X-Loadlab-Token (printed at start)");
    if (hub.ended()) return error(http::status::conflict, "the run has ended: there is nothing left to steer");
    std::string why;
    const auto change = parse_control(req.body(), *opt.model, opt.max_users, why);
    if (!change) return error(http::status::bad_request, why);
    if (!opt.steering->request(*change))
      return error(http::status::conflict, "the run is already stopping (a stop was accepted before)");
    return reply(http::status::accepted, "application/json",
                 json_text(json{{"accepted", json::parse(req.body())}}) + "\n");
  }

  http::response<http::string_body> ingest(const http::request<http::string_body>& req) {
    if (opt.ingest_token.empty()) return error(http::status::not_found, "this listener is not a job's hub");
    if (req.method() != http::verb::post) return error(http::status::method_not_allowed, "POST an event");
    if (!same_secret(header(req, "X-Loadlab-Token"), opt.ingest_token))
      return error(http::status::forbidden, "the X-Loadlab-Token header does not match this hub's");
    const json j = json::parse(req.body(), nullptr, false);
    if (!j.is_object() || !j.contains("type") || !j["type"].is_string() || !j.contains("data"))
      return error(http::status::bad_request, "the body must be {\"type\": ..., \"data\": ...}");
    const std::string type = j["type"];
    if (!valid_event_type(type))
      return error(http::status::bad_request,
                   "an event's type is a lower-case word (a-z, 0-9, - and _, at most 32 characters)");
    if (type == "snapshot")
      hub.set_snapshot(json_text(j["data"]));
    else if (type == "metrics" && j["data"].is_string())
      hub.set_metrics(j["data"].get<std::string>());
    else
      hub.publish(type, json_text(j["data"]));
    return reply(http::status::accepted, "application/json", "{}\n");
  }

  // Server-Sent Events: the events after `last`, then each new one as it is published. A listener
  // whose socket takes nothing for the write deadline is dropped (EachWriteInTime).
  asio::awaitable<void> events(beast::tcp_stream& stream, std::uint64_t last) {
    boost::system::error_code ec;
    std::string out =
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n"
        "X-Accel-Buffering: no\r\nConnection: keep-alive\r\n\r\nretry: 1000\n\n";
    asio::steady_timer kick(io);
    const auto me = waiting.insert(waiting.end(), &kick);
    ++streams;
    for (;;) {
      for (const LiveEvent& e : hub.events_after(last, 500)) {
        out += "id: " + hub.run_id() + "." + std::to_string(e.id) + "\nevent: " + e.type + "\ndata: " + e.data + "\n\n";
        last = e.id;
      }
      if (!out.empty()) {
        co_await asio::async_write(stream, asio::buffer(out), EachWriteInTime{stream, opt.write_deadline},
                                   asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
          if (ec == beast::error::timeout) dropped.fetch_add(1);
          break;
        }
        out.clear();
        continue;
      }
      if (stopping) break;
      kick.expires_after(kKeepAlive);
      co_await kick.async_wait(asio::redirect_error(asio::use_awaitable, ec));  // a publish (or stop) cancels it
      if (!ec && !stopping) out = ": keep-alive\n\n";
    }
    waiting.erase(me);
    --streams;
  }

// GCC 12 reports -Wmismatched-new-delete for this coroutine's frame (Asio's class-specific
// operator new and delete, which do match) since it writes the response through async_write: a
// false positive; rearranging the writes into a helper coroutine moved it, did not remove it.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
  asio::awaitable<void> serve(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    const auto me = open.insert(open.end(), &stream);
    beast::flat_buffer buffer;
    boost::system::error_code ec;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(16 * 1024);
      parser.body_limit(64 * 1024);
      stream.expires_after(30s);
      co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      const auto& req = parser.get();
      const std::string_view target(req.target().data(), req.target().size());
      const std::string_view path = target.substr(0, target.find('?'));
      const std::string_view query = path.size() < target.size() ? target.substr(path.size() + 1) : std::string_view();
      if (!host_allowed(header(req, "Host"), opt.allowed_hosts)) {
        auto res = error(http::status::forbidden,
                         opt.allowed_hosts.empty()
                             ? "this listener answers loopback names only (127.0.0.1, localhost, ::1)"
                             : "this listener answers loopback names and those --live-allow-host names only");
        res.prepare_payload();
        co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
        break;
      }
      if (path == "/events" && req.method() == http::verb::get) {
        co_await events(stream, last_event_id(header(req, "Last-Event-ID"), query, hub.run_id()));
        break;
      }
      auto res = route(req, path);
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      if (req.method() == http::verb::head) res.body().clear();  // the length stays, the body goes
      const std::string text = to_text(res);  // (a page or a snapshot: each write in time, as events)
      co_await asio::async_write(stream, asio::buffer(text), EachWriteInTime{stream, opt.write_deadline},
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !res.keep_alive()) break;
    }
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream.close();
    open.erase(me);
  }
#pragma GCC diagnostic pop

  // Over the cap: one 503 in what the socket's buffer takes at once (it never waits for the
  // client), then closed. The accept gave it a descriptor for this moment only.
  void refuse(tcp::socket& socket) {
    refused.fetch_add(1);
    static const std::string kBusy = [] {
      const std::string body = json{{"error", "the live view holds its most connections; try again later"}}.dump();
      return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 5\r\n"
             "Connection: close\r\nContent-Length: " +
             std::to_string(body.size()) + "\r\n\r\n" + body;
    }();
    boost::system::error_code ec;
    socket.non_blocking(true, ec);
    if (!ec) socket.send(asio::buffer(kBusy.data(), kBusy.size()), 0, ec);  // a full buffer: it gets no reply
    socket.close(ec);  // a close that fails leaves nothing to do: the descriptor is released either way
  }

  asio::awaitable<void> accept_loop() {
    asio::steady_timer backoff(io);
    for (;;) {
      tcp::socket socket(io);
      boost::system::error_code ec;
      co_await acceptor.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
      if (ec == asio::error::operation_aborted || stopping) co_return;
      if (ec) {  // out of descriptors or the like: back off, never spin
        backoff.expires_after(50ms);
        co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
      if (open.size() >= opt.max_connections) {
        refuse(socket);
        continue;
      }
      asio::co_spawn(io, serve(std::move(socket)), asio::detached);
    }
  }
};

LiveServer::LiveServer(LiveHub& hub, LiveOptions options)
    : impl_(std::make_unique<Impl>(hub, std::move(options), dropped, refused)) {}

LiveServer::~LiveServer() { stop(); }

std::string LiveServer::start() {
  Impl& m = *impl_;
  boost::system::error_code ec;
  const auto addr = asio::ip::make_address(m.opt.address, ec);
  if (ec) return "'" + m.opt.address + "' is not an IP address";
  const tcp::endpoint ep(addr, m.opt.port);
  m.acceptor.open(ep.protocol(), ec);
  if (!ec) m.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) m.acceptor.bind(ep, ec);
  if (!ec) m.acceptor.listen(64, ec);
  if (ec)
    return "cannot listen on " + m.opt.address + ":" + std::to_string(m.opt.port) + ": " + ec.message() +
           (ec == asio::error::address_in_use ? " (another process has it; --live 0 picks a free port)" : "");
  port_ = m.acceptor.local_endpoint().port();
  // Each publish wakes the waiting event streams, on this server's own thread.
  m.hub.on_publish([&m] {
    asio::post(m.io, [&m] {
      for (auto* t : m.waiting) t->cancel();
    });
  });
  asio::co_spawn(m.io, m.accept_loop(), asio::detached);
  m.thread = std::thread([&m] { m.io.run(); });
  return {};
}

std::string LiveServer::url() const {
  const std::string& a = impl_->opt.address;
  const std::string host = a == "0.0.0.0"                     ? "127.0.0.1"
                           : a == "::"                        ? "[::1]"
                           : a.find(':') != std::string::npos ? "[" + a + "]"
                                                              : a;
  return "http://" + host + ":" + std::to_string(port_) + "/" +
         (impl_->opt.control_token.empty() ? "" : "#token=" + impl_->opt.control_token);
}

void LiveServer::stop() {
  Impl& m = *impl_;
  if (!m.thread.joinable()) return;
  m.hub.on_publish(nullptr);
  // The event streams send what is left (the run's end), up to a second; then every
  // connection is closed.
  asio::post(m.io, [&m] {
    m.stopping = true;
    boost::system::error_code ec;
    m.acceptor.close(ec);
    for (auto* t : m.waiting) t->cancel();
  });
  const auto flushed = std::chrono::steady_clock::now() + 1s;
  while (m.streams.load() > 0 && std::chrono::steady_clock::now() < flushed) std::this_thread::sleep_for(5ms);
  asio::post(m.io, [&m] {
    boost::system::error_code ec;
    for (auto* s : m.open) s->socket().close(ec);
  });
  const auto give_up = std::chrono::steady_clock::now() + 2s;
  while (!m.io.stopped() && std::chrono::steady_clock::now() < give_up) std::this_thread::sleep_for(5ms);
  m.io.stop();
  m.thread.join();
}

}  // namespace lab
