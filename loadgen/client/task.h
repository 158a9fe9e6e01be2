#pragma once
// The types of a load thread's asynchronous world, shared by the user loop (run/) and the client
// paths (client/): one io_context per thread, its concrete executor, and coroutines on it.
#include <utility>  // Boost 1.74's awaitable.hpp needs it first

#include <boost/asio.hpp>
#include <chrono>

namespace lab {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
// The concrete executor everywhere, not Asio's type-erased any_executor: every co_await and
// completion on the hot path would otherwise go through a type-erased call.
using Executor = asio::io_context::executor_type;
using Socket = asio::basic_stream_socket<asio::ip::tcp, Executor>;
using Timer = asio::basic_waitable_timer<Clock, asio::wait_traits<Clock>, Executor>;
template <class T>
using Task = asio::awaitable<T, Executor>;
inline constexpr asio::use_awaitable_t<Executor> use_task;

}  // namespace lab
