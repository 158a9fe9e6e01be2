// HTTP/2 (--http2: TLS with h2 chosen by ALPN; --h2c: prior knowledge over plain TCP): a load
// thread's users share its connections, `--streams` users to each, and each request is a stream.
// The session (client/h2/session.h) is nghttp2's; this file moves its bytes on the connection's
// own socket (and OpenSSL), and parks each user on its own timer until its stream ends.
//
// The honest parts (docs/loadgen.md, "HTTP/2"):
// - a request opens its stream only when one is free under the server's
//   SETTINGS_MAX_CONCURRENT_STREAMS (and after the server's SETTINGS arrived); the time before
//   is the queued phase, recorded, never hidden inside nghttp2's own queue;
// - each stream's end is timed as the reader parsed it (Outcome::arrived), not when its user
//   ran again: one slow stream does not hold the others' clocks;
// - a connection's failure fails each of its open streams once, with the connection's kind;
//   streams a GOAWAY refuses are h2_refused_stream (not processed: retryable), and the users
//   reconnect.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nghttp2/nghttp2.h>
#include <sys/socket.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "loadgen/client/h2/request.h"
#include "loadgen/client/h2/session.h"
#include "loadgen/client/socket_io.h"
#include "loadgen/run/worker.h"

namespace lab {

namespace {

// A user waiting for something another coroutine changes (its stream's end, a connection, a free
// stream) sleeps on its own timer; whoever changes it cancels the timer (wake). A wake for
// another reason (the end of the run, the timeout sweep, stages) is fine: waiters re-check.
Task<void> park(User& u) {
  error_code ignored;
  u.timer.expires_after(std::chrono::hours(24));
  co_await u.timer.async_wait(asio::redirect_error(use_task, ignored));
}
void wake(User& u) { u.timer.cancel(); }

struct H2Conn;

// One request in flight: the stream's events, collected into the user's Outcome.
struct H2Stream final : StreamSink {
  H2Stream(User& u, std::shared_ptr<H2Conn> c, const Workload& w) : user(u), conn(std::move(c)), wl(w) {}
  ~H2Stream() override { detach(); }
  H2Stream(const H2Stream&) = delete;
  H2Stream& operator=(const H2Stream&) = delete;

  User& user;
  std::shared_ptr<H2Conn> conn;  // (kept alive while the stream is)
  const Workload& wl;
  std::int32_t id = 0;
  bool done = false, began = false;
  Clock::time_point written{};
  Outcome o;

  void on_response_begin() override {
    if (began) return;
    began = true;
    o.first_byte = Clock::now();
    o.phases.waiting_ns = ns_between(written, o.first_byte);
  }
  void on_status(int code) override { o.status = code; }
  void on_data(std::size_t n) override { o.bytes += n; }
  void on_close(bool complete, std::uint32_t code) override;
  /// Ends the stream with a failure (its connection's).
  void fail_with(ErrorKind k, const std::string& detail);
  /// The user gave up on the stream (timeout, end of the run): reset it, forget it.
  void detach();
};

struct H2Conn : std::enable_shared_from_this<H2Conn> {
  enum class State { kOpening, kOpen, kDead };
  H2Conn(Worker& w_, const H2Settings& s) : w(w_), link(w_.io), session(s) {}
  Worker& w;
  Connection link;  // the socket (and TLS) under the session
  H2Session session;
  State state = State::kOpening;
  User* opener = nullptr;     // while it opens: the user that opens it
  std::string out;            // nghttp2's bytes the socket has not taken yet
  int tls_retry = 0;          // a TLS write to repeat with this many bytes (OpenSSL's rule)
  bool writing = false;       // a writer waits until the socket takes `out`
  bool flush_posted = false;  // a flush is queued behind the handlers that run now
  bool any_read = false;      // a byte arrived (to recognize an HTTP/1.1 answer to h2c)
  std::unordered_map<std::int32_t, H2Stream*> streams;
  std::vector<User*> waiters;  // users waiting for it to open, for SETTINGS, or for a free stream
  ErrorKind dead_kind = ErrorKind::kOther;
  std::string dead_detail;

  void wake_waiters() {
    for (User* u : waiters) wake(*u);
  }
  void die(ErrorKind k, const std::string& detail);
  /// nghttp2's output to the socket; a writer coroutine when the socket cannot take it all.
  void flush();
  /// flush() once the handlers queued now have run: the users woken by one read submit their
  /// next requests first, and one write carries them all (as h2load writes once per loop).
  void flush_soon();
  /// Writes `out` until the socket would block (`want`); false when the connection died.
  bool write_now(TlsWait& want);
};

void H2Stream::on_close(bool complete, std::uint32_t code) {
  done = true;
  conn->streams.erase(id);
  o.arrived = Clock::now();  // its end as parsed: its user may run later
  o.reusable = true;
  if (complete) {
    o.ok = wl.expect_status.accepts(o.status);
    if (!o.ok) o.kind = ErrorKind::kUnexpectedStatus;
  } else if (code == NGHTTP2_REFUSED_STREAM) {
    o.kind = ErrorKind::kH2Refused;
    o.detail = "the server refused the stream (REFUSED_STREAM, or above its GOAWAY's last stream id): not processed";
  } else {
    o.kind = ErrorKind::kH2Reset;
    o.detail = std::string("the server reset the stream: ") + nghttp2_http2_strerror(code);
  }
  wake(user);
}

void H2Stream::fail_with(ErrorKind k, const std::string& detail) {
  done = true;
  const bool truncated = began && k == ErrorKind::kClosedWithoutResponse;
  o.ok = false;
  o.kind = truncated ? ErrorKind::kBadResponse : k;
  o.detail = truncated ? "the connection closed in the middle of the response" : detail;
  wake(user);
}

void H2Stream::detach() {
  if (done || id == 0) return;
  done = true;
  conn->streams.erase(id);
  if (conn->state == H2Conn::State::kDead) return;
  conn->session.cancel(id);
  conn->flush_soon();
}

void H2Conn::die(ErrorKind k, const std::string& detail) {
  if (state == State::kDead) return;
  state = State::kDead;
  dead_kind = k;
  dead_detail = detail;
  // each open stream fails once, with the connection's kind
  auto open = std::move(streams);
  streams.clear();
  for (auto& [id, st] : open) st->fail_with(k, detail);
  wake_waiters();
  if (link.tls) {  // (never used again: the SSL object goes with the connection)
    link.tls->ssl.reset();
    link.tls->connected = false;
  }
  close_socket(link);
}

bool H2Conn::write_now(TlsWait& want) {
  want = TlsWait::kNone;
  while (!out.empty()) {
    error_code ec;
    std::size_t n = 0;
    if (link.tls && link.tls->ssl) {
      SSL* const ssl = link.tls->ssl.get();
      // a write OpenSSL asked to repeat is repeated with the same count (the buffer may move)
      const int len = tls_retry ? tls_retry : static_cast<int>(std::min<std::size_t>(out.size(), 1u << 20));
      const char* const data = out.data();
      int r = 0;
      want = tls_call(
          ssl, [ssl, data, len] { return SSL_write(ssl, data, len); }, r, ec);
      if (want != TlsWait::kNone) {
        tls_retry = len;
        return true;
      }
      tls_retry = 0;
      n = ec ? 0 : static_cast<std::size_t>(r);
    } else {
      n = send_some(link.fd, out.data(), out.size(), ec);
      if (ec == asio::error::would_block) {
        want = TlsWait::kWrite;
        return true;
      }
    }
    if (ec) {
      die(classify(ec, false), "write: " + ec.message());
      return false;
    }
    out.erase(0, n);
  }
  return true;
}

Task<void> write_loop(std::shared_ptr<H2Conn> c, TlsWait want) {
  c->writing = true;
  while (c->state != H2Conn::State::kDead && !c->out.empty() && !c->w.stopping) {
    const error_code ec = co_await tls_wait(c->link, want);
    if (c->state == H2Conn::State::kDead || c->w.stopping) break;
    if (ec) {
      c->die(classify(ec, false), "write: " + ec.message());
      break;
    }
    if (!c->write_now(want)) break;
  }
  c->writing = false;
}

void H2Conn::flush() {
  if (state == State::kDead || link.fd < 0) return;
  std::string err;
  if (!session.take_output(out, err)) {
    die(ErrorKind::kH2Protocol, "HTTP/2: " + err);
    return;
  }
  // Sending closes streams too (a cancelled stream's RST_STREAM): the requests in line look again.
  if (!waiters.empty()) wake_waiters();
  if (writing || out.empty()) return;
  TlsWait want = TlsWait::kNone;
  if (!write_now(want) || out.empty()) return;
  asio::co_spawn(w.io.get_executor(), write_loop(shared_from_this(), want), asio::detached);
}

void H2Conn::flush_soon() {
  if (flush_posted || state == State::kDead) return;
  flush_posted = true;
  asio::post(w.io, [self = shared_from_this()] {
    self->flush_posted = false;
    self->flush();
  });
}

// Why nghttp2 ended a session, with a hint when an h2c target answered in HTTP/1.1.
std::string protocol_failure(const H2Conn& c, const std::string& nghttp2_error, const char* first, std::size_t n) {
  if (!c.session.settings_received() && n >= 5 && std::string(first, 5) == "HTTP/")
    return "the server answered in HTTP/1.1: it does not speak HTTP/2 by prior knowledge on this port (h2c)";
  std::string why = nghttp2_error.empty() ? c.session.last_error() : nghttp2_error;
  if (c.session.goaway_received() && c.session.goaway_error() != NGHTTP2_NO_ERROR)
    why = std::string("the server sent GOAWAY: ") + nghttp2_http2_strerror(c.session.goaway_error()) +
          (why.empty() ? "" : "; " + why);
  return "HTTP/2: " + (why.empty() ? std::string("the session ended") : why);
}

// One receive on the connection: bytes into `buf`, 0 with `want` set to wait, or 0 with `ec` set.
std::size_t receive(H2Conn& c, char* buf, std::size_t cap, TlsWait& want, error_code& ec) {
  want = TlsWait::kNone;
  if (c.link.tls && c.link.tls->ssl) {
    SSL* const ssl = c.link.tls->ssl.get();
    const int len = static_cast<int>(cap);
    int r = 0;
    want = tls_call(
        ssl, [ssl, buf, len] { return SSL_read(ssl, buf, len); }, r, ec);
    return want == TlsWait::kNone && !ec ? static_cast<std::size_t>(r) : 0;
  }
  const std::size_t n = recv_some(c.link.fd, buf, cap, ec);
  if (ec == asio::error::would_block) {
    ec = {};
    want = TlsWait::kRead;
  }
  return n;
}

// The connection's reader: what arrives goes to the session, whose callbacks end streams and wake
// their users; then what the session has to say (WINDOW_UPDATE, SETTINGS' ACK, PING's) is sent.
Task<void> read_loop(std::shared_ptr<H2Conn> c) {
  Worker& w = c->w;
  std::size_t reads = 0;
  for (;;) {
    if (c->state == H2Conn::State::kDead) co_return;
    if (w.stopping) {
      c->die(ErrorKind::kOther, "stopped");
      co_return;
    }
    TlsWait want = TlsWait::kNone;
    error_code ec;
    const std::size_t n = receive(*c, w.read_buf, sizeof w.read_buf, want, ec);
    if (want != TlsWait::kNone) {
      ec = co_await tls_wait(c->link, want);
      if (c->state == H2Conn::State::kDead) co_return;
      if (ec && !w.stopping) {
        c->die(classify(ec, false), "read: " + ec.message());
        co_return;
      }
      continue;
    }
    if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
      c->die(ErrorKind::kClosedWithoutResponse, "the server closed the HTTP/2 connection");
      co_return;
    }
    if (ec) {
      c->die(classify(ec, false), "read: " + ec.message());
      co_return;
    }
    std::string err;
    const bool first = !c->any_read;
    c->any_read = true;
    if (first && n >= 5 && std::string(w.read_buf, 5) == "HTTP/") {  // (nghttp2 would wait for a frame that long)
      c->die(ErrorKind::kH2Protocol, protocol_failure(*c, "", w.read_buf, n));
      co_return;
    }
    if (!c->session.receive(w.read_buf, n, err)) {
      c->flush();  // (its GOAWAY, if it has one)
      c->die(ErrorKind::kH2Protocol, protocol_failure(*c, err, w.read_buf, first ? n : 0));
      co_return;
    }
    c->flush();
    if (c->state == H2Conn::State::kDead) co_return;
    if (c->session.finished()) {  // a connection error nghttp2 found, or a GOAWAY with nothing left
      c->die(ErrorKind::kH2Protocol, protocol_failure(*c, "", w.read_buf, first ? n : 0));
      co_return;
    }
    c->wake_waiters();  // SETTINGS, a stream freed, a GOAWAY: the waiters look again
    if (++reads % kReadsBeforeYield == 0) co_await asio::post(use_task);
  }
}

class H2Path final : public ClientPath {
 public:
  H2Path(Worker& w, asio::ssl::context* ctx) : ClientPath(w), ctx_(ctx) {
    settings_.window_bits = w.workload.http2.window_bits;
    streams_ = w.workload.http2.streams;
  }
  const char* name() const override { return ctx_ ? "nghttp2-openssl" : "nghttp2-sockets"; }
  Task<Outcome> exchange(User& u, const Exchange& x) override;
  void close(User& /*u*/, bool /*clean*/) override {}  // the connection is the thread's, not the user's
  void cancel(User& u) override;
  void cancel_all() override;
  void add_facts(nlohmann::json& environment) const override;

 private:
  /// Opens `c` for user `u` (connect, TLS with h2 by ALPN, the session's preface): nullopt, or
  /// the failure.
  Task<std::optional<Outcome>> open(User& u, const std::shared_ptr<H2Conn>& c, Clock::time_point start, Outcome& o);
  /// Waits until `u` may open a stream on its group's connection (opening one if needed):
  /// the connection, or nullptr with `o` the failure.
  Task<std::shared_ptr<H2Conn>> stream_slot(User& u, std::size_t group, Clock::time_point start, Outcome& o);
  const H2Request* request_for(const WireRequest& wire, H2Request& scratch, std::string& err);

  asio::ssl::context* ctx_;  // the run's, for --http2; null for --h2c
  H2Settings settings_;
  int streams_ = 1;
  int members_ = 0;                              // users given a group so far
  std::vector<std::shared_ptr<H2Conn>> groups_;  // each group's current connection
  std::vector<std::weak_ptr<H2Conn>> live_;      // every connection opened (the end of the run closes them)
  std::unordered_map<const WireRequest*, H2Request> prebuilt_;  // the RequestBook's, converted once
  std::uint64_t opened_ = 0;
  int peak_streams_ = 0;
  std::uint32_t server_max_streams_ = 0;  // the least any server's SETTINGS allowed (0: none seen)
};

const H2Request* H2Path::request_for(const WireRequest& wire, H2Request& scratch, std::string& err) {
  const std::string& scheme = w_.workload.target.scheme;
  if (w_.requests.prebuilt()) {  // the book's requests live as long as the run: converted once
    auto it = prebuilt_.find(&wire);
    if (it != prebuilt_.end()) return &it->second;
    auto r = h2_request(wire.bytes, scheme, err);
    return r ? &prebuilt_.emplace(&wire, std::move(*r)).first->second : nullptr;
  }
  auto r = h2_request(wire.bytes, scheme, err);  // built as sent: the user's own buffer
  if (!r) return nullptr;
  scratch = std::move(*r);
  return &scratch;
}

Task<std::optional<Outcome>> H2Path::open(User& u, const std::shared_ptr<H2Conn>& c, Clock::time_point start,
                                          Outcome& o) {
  Worker& w = w_;
  Connection& link = c->link;
  ++opened_;
  if (ctx_) {
    if (auto f = co_await connect_tls(w, u, link, *ctx_, start, o)) co_return f;
    SSL* const ssl = link.tls->ssl.get();
    SSL_set_mode(ssl, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);  // `out` grows while a write waits
    const std::string chosen = alpn_chosen(ssl);
    if (chosen != "h2")
      co_return fail(ErrorKind::kTlsHandshake,
                     "the server did not choose h2 by ALPN (" +
                         (chosen.empty() ? std::string("it chose no protocol") : "it chose '" + chosen + "'") +
                         "): it does not serve HTTP/2 over TLS here");
  } else {
    error_code ec;
    const bool pending = open_and_connect_fd(w, link, ec);
    if (ec) co_return connect_failed(u, ec);
    if ((ec = adopt(link))) co_return fail(classify(ec, false), "epoll_ctl: " + ec.message());
    if (pending) {
      ec = co_await finish_connect(link);
      if (ec) co_return connect_failed(u, ec);
    }
    o.phases.connect_ns = ns_between(start, Clock::now());
    // streams interleave their frames: Nagle would hold one back behind another's unacknowledged bytes
    const int one = 1;
    if (::setsockopt(link.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
      co_return fail(classify(errno_code(), false), "setsockopt TCP_NODELAY: " + errno_code().message());
  }
  if (!link.socket.is_open()) {
    if (error_code ec = adopt(link)) co_return fail(classify(ec, false), "epoll_ctl: " + ec.message());
  }
  c->state = H2Conn::State::kOpen;
  c->flush();  // the preface and the client's SETTINGS
  if (c->state == H2Conn::State::kDead) co_return fail(c->dead_kind, c->dead_detail);
  asio::co_spawn(w.io.get_executor(), read_loop(c), asio::detached);
  co_return std::nullopt;
}

// Where a user waits its turn for a stream: in line on the connection, first come first served,
// so that the user whose stream just ended cannot take the freed stream again ahead of those
// that waited (they would starve: their requests would never start).
struct InLine {
  std::shared_ptr<H2Conn> conn;
  User* user = nullptr;
  void leave() {
    if (conn) std::erase(conn->waiters, user);
    conn.reset();
  }
  ~InLine() { leave(); }
  InLine() = default;
  InLine(const InLine&) = delete;
  InLine& operator=(const InLine&) = delete;
};

Task<std::shared_ptr<H2Conn>> H2Path::stream_slot(User& u, std::size_t group, Clock::time_point start, Outcome& o) {
  Worker& w = w_;
  InLine line;
  for (;;) {
    if (u.timed_out) {
      o = fail(ErrorKind::kReadTimeout, "no stream free within the timeout (the request stayed queued)");
      co_return nullptr;
    }
    if (w.stopping) {
      o = fail(ErrorKind::kOther, "stopped");
      co_return nullptr;
    }
    std::shared_ptr<H2Conn> c = groups_[group];
    if (line.conn && line.conn != c) line.leave();  // its connection was replaced
    if (!c || c->state == H2Conn::State::kDead || c->session.goaway_received()) {
      // none yet, or it ended (a server that closed it, a GOAWAY): this user opens the next
      c = std::make_shared<H2Conn>(w, settings_);
      groups_[group] = c;
      std::erase_if(live_, [](const std::weak_ptr<H2Conn>& p) { return p.expired(); });
      live_.push_back(c);
      c->opener = &u;
      auto f = co_await open(u, c, start, o);
      c->opener = nullptr;
      if (f) {
        c->die(f->kind, f->detail);  // (the users waiting for it fail with its kind)
        if (groups_[group] == c) groups_[group].reset();
        o = std::move(*f);
        co_return nullptr;
      }
      continue;
    }
    const bool my_turn = c->waiters.empty() || c->waiters.front() == &u;
    if (c->state == H2Conn::State::kOpen && my_turn && c->session.can_submit(streams_)) {
      line.leave();
      c->wake_waiters();  // the next in line may find a stream free too
      co_return c;
    }
    if (!line.conn) {
      c->waiters.push_back(&u);  // until it opens, its SETTINGS arrive, or a stream ends
      line.conn = c;
      line.user = &u;
    }
    co_await park(u);
    // the connection it waited on ended (a connection error, the server closed it): the request
    // fails with its kind, once (a GOAWAY leaves it alive: then the next turn opens another)
    if (c->state == H2Conn::State::kDead) {
      o = fail(c->dead_kind, c->dead_detail);
      co_return nullptr;
    }
  }
}

Task<Outcome> H2Path::exchange(User& u, const Exchange& x) {
  Worker& w = w_;
  if (u.conn.h2_group < 0) u.conn.h2_group = members_++ / streams_;
  const auto group = static_cast<std::size_t>(u.conn.h2_group);
  if (groups_.size() <= group) groups_.resize(group + 1);
  std::string err;
  H2Request scratch;
  const H2Request* req = request_for(x.request, scratch, err);
  if (!req) co_return fail(ErrorKind::kOther, "HTTP/2: the request cannot be sent: " + err);
  Outcome o;
  std::shared_ptr<H2Conn> c = co_await stream_slot(u, group, x.start, o);
  if (!c) co_return o;
  o.phases.queued = true;
  const std::uint64_t since_start = ns_between(x.start, Clock::now());
  o.phases.queued_ns = since_start - std::min(since_start, o.phases.connect_ns + o.phases.tls_ns);
  H2Stream st(u, c, w.workload);
  st.o = o;
  st.id = c->session.submit(*req, &st, err);
  if (st.id == 0) co_return fail(ErrorKind::kH2Protocol, "HTTP/2: cannot open a stream: " + err);
  c->streams.emplace(st.id, &st);
  peak_streams_ = std::max(peak_streams_, c->session.open_streams());
  const std::uint32_t limit = c->session.server_max_streams();
  server_max_streams_ = server_max_streams_ ? std::min(server_max_streams_, limit) : limit;
  st.written = Clock::now();  // handed to the connection: its next write (flush_soon) sends it
  c->flush_soon();
  while (!st.done) {
    co_await park(u);
    if (st.done) break;
    if (u.timed_out) {
      Outcome f = read_timeout();
      const bool body_held = st.body && st.body_sent < st.body->size() &&
                             (c->session.stream_send_window(st.id) <= 0 || c->session.connection_send_window() <= 0);
      if (body_held)
        f = fail(ErrorKind::kH2FlowControl,
                 "the server's flow-control window stayed closed: the request's body could not be sent");
      else if (!c->out.empty())
        f.detail += " (the server stopped reading: " + std::to_string(c->out.size()) + " bytes wait to be sent)";
      st.detach();
      co_return f;
    }
    if (w.stopping) {
      st.detach();
      co_return fail(ErrorKind::kOther, "stopped");
    }
  }
  co_return std::move(st.o);
}

void H2Path::cancel(User& u) {
  wake(u);
  for (const auto& p : live_)  // the connection it is opening, if any
    if (auto c = p.lock(); c && c->opener == &u && c->link.socket.is_open()) {
      error_code ignored;
      c->link.socket.cancel(ignored);
    }
}

void H2Path::cancel_all() {
  for (const auto& p : live_)
    if (auto c = p.lock()) c->die(ErrorKind::kOther, "stopped");
}

void H2Path::add_facts(nlohmann::json& env) const {
  nlohmann::json& h = env["http2"];
  const Http2Options& o = w_.workload.http2;
  h["protocol"] = o.protocol();
  h["streams"] = o.streams;
  h["window_bits"] = settings_.window_bits;
  h["header_table_size"] = settings_.header_table_size;
  h["connections_opened"] = h.value("connections_opened", std::uint64_t{0}) + opened_;
  h["max_streams_in_flight"] = std::max(h.value("max_streams_in_flight", 0), peak_streams_);
  if (server_max_streams_) {
    const std::uint32_t seen = h.value("server_max_concurrent_streams", server_max_streams_);
    h["server_max_concurrent_streams"] = std::min(seen, server_max_streams_);
  }
}

}  // namespace

std::unique_ptr<ClientPath> make_h2_path(Worker& w, asio::ssl::context* ctx) {
  return std::make_unique<H2Path>(w, ctx);
}

}  // namespace lab
