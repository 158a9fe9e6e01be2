// Hand-written request/response parsers vs Boost.Beast's, on the requests the lab sees.
// Run: build/bench/parser_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <utility>

#include <benchmark/benchmark.h>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <string>

#include "common/http/reply.h"
#include "common/http/request_parser.h"
#include "common/http/response_parser.h"

namespace http = boost::beast::http;

namespace {

const std::string kLoadgenRequest =
    "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: loadlab-loadgen/0.1.0\r\nAccept: */*\r\nConnection: "
    "close\r\n\r\n";
const std::string kLocustRequest =
    "GET / HTTP/1.1\r\nHost: localhost:8892\r\nUser-Agent: python-requests/2.25.1\r\nAccept-Encoding: gzip, deflate\r\n"
    "Accept: */*\r\nConnection: keep-alive\r\n\r\n";

void BM_Ours_Request(benchmark::State& st, const std::string& req) {
  for (auto _ : st) {
    lab::RequestParser p;
    auto r = p.parse(req);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(p.request().keep_alive);
  }
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * req.size()));
}

void BM_Beast_Request(benchmark::State& st, const std::string& req) {
  for (auto _ : st) {
    http::request_parser<http::empty_body> p;
    p.eager(true);
    boost::beast::error_code ec;
    auto n = p.put(boost::asio::buffer(req), ec);
    benchmark::DoNotOptimize(n);
    benchmark::DoNotOptimize(p.get().keep_alive());
  }
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * req.size()));
}

// The request arriving one byte at a time (the worst chunking a server sees).
void BM_Ours_Request_Bytewise(benchmark::State& st) {
  for (auto _ : st) {
    lab::RequestParser p;
    lab::ParseStatus r = lab::ParseStatus::kIncomplete;
    for (std::size_t i = 1; i <= kLocustRequest.size() && r == lab::ParseStatus::kIncomplete; ++i)
      r = p.parse(std::string_view(kLocustRequest).substr(0, i));
    benchmark::DoNotOptimize(r);
  }
}

void BM_Beast_Request_Bytewise(benchmark::State& st) {
  for (auto _ : st) {
    http::request_parser<http::empty_body> p;
    boost::beast::error_code ec;
    // Beast consumes only whole structures: keep feeding the unconsumed tail plus one byte.
    std::size_t used = 0;
    for (std::size_t end = 1; end <= kLocustRequest.size() && !p.is_header_done(); ++end) {
      used += p.put(boost::asio::buffer(kLocustRequest.data() + used, end - used), ec);
      if (ec == http::error::need_more) ec = {};
    }
    benchmark::DoNotOptimize(p.is_header_done());
  }
}

void BM_Ours_Response_Seed(benchmark::State& st) {
  std::string reply;
  lab::append_seed_reply(reply, kLoadgenRequest);
  for (auto _ : st) {
    lab::ResponseParser p;
    p.feed(reply.data(), reply.size());
    benchmark::DoNotOptimize(p.on_eof());
  }
}

void BM_Ours_Response_Http11(benchmark::State& st) {
  std::string reply;
  lab::append_http11_reply(reply, kLoadgenRequest, true);
  for (auto _ : st) {
    lab::ResponseParser p;
    benchmark::DoNotOptimize(p.feed(reply.data(), reply.size()));
  }
}

void BM_Beast_Response_Http11(benchmark::State& st) {
  std::string reply;
  lab::append_http11_reply(reply, kLoadgenRequest, true);
  for (auto _ : st) {
    http::response_parser<http::string_body> p;
    p.eager(true);
    boost::beast::error_code ec;
    benchmark::DoNotOptimize(p.put(boost::asio::buffer(reply), ec));
  }
}

}  // namespace

BENCHMARK_CAPTURE(BM_Ours_Request, loadgen, kLoadgenRequest);
BENCHMARK_CAPTURE(BM_Beast_Request, loadgen, kLoadgenRequest);
BENCHMARK_CAPTURE(BM_Ours_Request, locust, kLocustRequest);
BENCHMARK_CAPTURE(BM_Beast_Request, locust, kLocustRequest);
BENCHMARK(BM_Ours_Request_Bytewise);
BENCHMARK(BM_Beast_Request_Bytewise);
BENCHMARK(BM_Ours_Response_Seed);
BENCHMARK(BM_Ours_Response_Http11);
BENCHMARK(BM_Beast_Response_Http11);
BENCHMARK_MAIN();
