// asio: Boost.Asio, one io_context per CPU (or --workers), as Asio's HTTP "server2" example:
// one acceptor, each accepted socket handed round-robin to the next io_context, and each
// connection a C++20 coroutine on its context's single thread. The Session is the same as
// every other model's; only the I/O driver differs.
#include <utility>  // Boost 1.74's awaitable.hpp needs it first

#include <boost/asio.hpp>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <functional>
#include <list>
#include <memory>
#include <thread>
#include <vector>

#include "common/net.h"
#include "server/model.h"
#include "server/session.h"
#include "server/stop.h"

namespace lab {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

struct Conn {
  explicit Conn(asio::io_context& io) : socket(io), timer(io), backend(io) {}
  tcp::socket socket;
  asio::steady_timer timer;    // the read deadline
  asio::steady_timer backend;  // a request's simulated backend call (--io-wait-ms)
  bool idle = true;
  // Written by the timer's handler, which can run after the coroutine has ended (a cancel does
  // not recall a handler already queued): it lives here, kept alive by the handler's shared_ptr,
  // never in the coroutine's frame. `arms` tells the handler of an earlier deadline it is stale.
  bool timed_out = false;
  std::uint64_t arms = 0;
};

// One per io_context: the connections it serves, so shutdown can close the idle ones.
struct Shard {
  asio::io_context io{1};
  std::list<std::shared_ptr<Conn>> conns;
};

std::atomic<std::size_t> g_live{0};  // connections across all shards

asio::awaitable<void> serve(std::shared_ptr<Conn> c, Shard& shard, const ModelContext& ctx) {
  auto self = shard.conns.insert(shard.conns.end(), c);
  g_live.fetch_add(1);
  boost::system::error_code ec;
  sockaddr_in peer{};
  {
    auto ep = c->socket.remote_endpoint(ec);
    if (!ec) std::memcpy(&peer, ep.data(), sizeof peer);
  }
  Session s(ctx, &peer);
  auto arm = [&] {
    c->timed_out = false;  // a deadline of its own: an earlier one that fired is over
    c->timer.expires_after(ctx.cfg.read_timeout);
    c->timer.async_wait([c, gen = ++c->arms](boost::system::error_code e) {
      if (!e && gen == c->arms) {
        c->timed_out = true;
        boost::system::error_code ignored;
        c->socket.cancel(ignored);
      }
    });
  };
  arm();
  char buf[16384];
  auto token = asio::redirect_error(asio::use_awaitable, ec);
  while (!s.done()) {
    if (s.has_pending()) {
      std::string_view out = s.pending();
      std::size_t n = co_await asio::async_write(c->socket, asio::buffer(out.data(), out.size()), token);
      if (ec) {
        bump(c->timed_out ? ctx.stats.write_timeouts : ctx.stats.write_errors);
        break;
      }
      s.on_written(n);
      continue;
    }
    if (s.waiting()) {    // the backend call: a timer on this context, the others go on
      c->timer.cancel();  // the read deadline does not run during the server's own wait
      ++c->arms;
      c->backend.expires_after(s.wait_for());
      co_await c->backend.async_wait(token);
      if (ec) break;  // shutdown
      s.on_wait_done();
      arm();  // the reply's write and the next request get a deadline of their own
      continue;
    }
    if (s.take_replied()) {
      c->idle = s.idle();
      arm();
    }
    std::size_t n = co_await c->socket.async_read_some(asio::buffer(buf), token);
    c->idle = false;
    if (c->timed_out) {
      s.on_read_timeout();
    } else if (ec == asio::error::eof) {
      s.on_peer_eof();
    } else if (ec == asio::error::operation_aborted) {
      break;  // shutdown closed an idle connection
    } else if (ec) {
      bump(ctx.stats.resets);
      break;
    } else {
      s.on_bytes(buf, n);
    }
  }
  c->timer.cancel();
  if (s.done() && c->socket.is_open() && input_waiting(c->socket.native_handle())) {
    // Lingering close, as everywhere: shut down writing, drain until EOF or --linger.
    c->socket.shutdown(tcp::socket::shutdown_send, ec);
    if (!ec) {
      c->timer.expires_after(ctx.cfg.linger);
      c->timer.async_wait([c](boost::system::error_code e) {
        if (!e) {
          boost::system::error_code ignored;
          c->socket.cancel(ignored);
        }
      });
      for (;;) {
        co_await c->socket.async_read_some(asio::buffer(buf), token);
        if (ec) break;
      }
      c->timer.cancel();
    }
  }
  c->socket.close(ec);
  shard.conns.erase(self);
  g_live.fetch_sub(1);
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, std::vector<std::unique_ptr<Shard>>& shards,
                                  const ModelContext& ctx) {
  std::size_t next = 0;
  asio::steady_timer backoff(acceptor.get_executor());
  for (;;) {
    Shard& shard = *shards[next++ % shards.size()];
    auto c = std::make_shared<Conn>(shard.io);
    boost::system::error_code ec;
    co_await acceptor.async_accept(c->socket, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) {
      if (classify_accept_error(ec.value()) == AcceptErrorKind::kOutOfFds)
        bump(ctx.stats.accept_out_of_fds);
      else
        bump(ctx.stats.accept_errors);
      backoff.expires_after(std::chrono::milliseconds(10));  // never spin on EMFILE
      co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    bump(ctx.stats.connections);
    if (!set_nodelay(c->socket.native_handle())) bump(ctx.stats.option_errors);
    asio::co_spawn(shard.io, serve(c, shard, ctx), asio::detached);
  }
}

}  // namespace

int run_asio(const ModelContext& ctx) {
  int n = ctx.cfg.workers > 0 ? ctx.cfg.workers : static_cast<int>(std::thread::hardware_concurrency());
  if (n < 1) n = 1;
  std::vector<std::unique_ptr<Shard>> shards;
  for (int i = 0; i < n; ++i) shards.push_back(std::make_unique<Shard>());
  asio::io_context& main_io = shards[0]->io;

  int lfd = ::dup(ctx.listen_fd);
  if (lfd < 0) {
    std::perror("server: dup(listener)");
    return 1;
  }
  tcp::acceptor acceptor(main_io);
  boost::system::error_code ec;
  acceptor.assign(tcp::v4(), lfd, ec);
  if (ec) {
    std::fprintf(stderr, "server: asio acceptor: %s\n", ec.message().c_str());
    ::close(lfd);
    return 1;
  }
  int sfd = ::dup(stop_fd());
  if (sfd < 0) {
    std::perror("server: dup(stop fd)");
    return 1;
  }
  asio::posix::stream_descriptor stop(main_io, sfd);
  asio::steady_timer grace(main_io);

  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for (auto& s : shards) guards.push_back(asio::make_work_guard(s->io));

  std::function<void(boost::system::error_code)> check;
  stop.async_wait(asio::posix::stream_descriptor::wait_read, [&](boost::system::error_code) {
    acceptor.close(ec);
    for (auto& s : shards)  // close the idle keep-alive connections on their own threads
      asio::post(s->io, [&s = *s] {
        for (auto& c : s.conns)
          if (c->idle) {
            boost::system::error_code ignored;
            c->socket.cancel(ignored);
          }
      });
    guards.clear();  // each context ends when its connections have
    auto grace_end = std::chrono::steady_clock::now() + ctx.cfg.grace;
    // Every 20 ms: done when no connection is left; at the end of --grace, stop them all.
    check = [&, grace_end](boost::system::error_code e) {
      if (e) return;
      if (g_live.load() == 0) return;
      if (std::chrono::steady_clock::now() >= grace_end) {
        ctx.stats.forced_closes += g_live.load();
        for (auto& s : shards) s->io.stop();
        return;
      }
      grace.expires_after(std::chrono::milliseconds(20));
      grace.async_wait(check);
    };
    check({});
  });
  asio::co_spawn(main_io, accept_loop(acceptor, shards, ctx), asio::detached);

  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < shards.size(); ++i) threads.emplace_back([&, i] { shards[i]->io.run(); });
  main_io.run();
  // The grace timer keeps main_io alive until it fires; the others end on their own or are
  // stopped by it.
  for (auto& t : threads) t.join();
  return 0;
}

}  // namespace lab
