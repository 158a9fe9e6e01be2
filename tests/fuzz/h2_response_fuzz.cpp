// libFuzzer: the HTTP/2 client session (loadgen/client/h2/session.h) with three requests in
// flight, fed arbitrary server bytes in chunks. Every stream ends at most once, the session's
// count of open streams never goes below zero, and whatever it sends is taken without error
// until it says the session is broken.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "loadgen/client/h2/session.h"

namespace {

struct Sink final : lab::StreamSink {
  int closes = 0;
  void on_response_begin() override {}
  void on_status(int code) override {
    if (code < 0 || code > 999) std::abort();
  }
  void on_data(std::size_t) override {}
  void on_close(bool, std::uint32_t) override { ++closes; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = data[0] % 64 + 1;
  const char* p = reinterpret_cast<const char*>(data + 1);
  const std::size_t n = size - 1;
  lab::H2Settings settings;
  settings.window_bits = 16 + data[0] % 15;
  lab::H2Session s(settings);
  lab::H2Request r;
  r.fields = {{":method", "POST"}, {":scheme", "http"}, {":authority", "x"}, {":path", "/"}};
  r.body = std::string(100, 'b');
  Sink sinks[3];
  std::string out, err;
  for (auto& k : sinks)
    if (s.submit(r, &k, err) == 0) std::abort();
  if (!s.take_output(out, err)) std::abort();
  for (std::size_t i = 0; i < n; i += chunk) {
    const std::size_t len = i + chunk <= n ? chunk : n - i;
    if (!s.receive(p + i, len, err)) break;
    out.clear();
    if (!s.take_output(out, err)) break;
    if (s.open_streams() < 0) std::abort();
  }
  for (const auto& k : sinks)
    if (k.closes > 1) std::abort();
  return 0;
}
