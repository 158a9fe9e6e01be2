#include "loadgen/client/h2/session.h"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace lab {

namespace {

H2Session& of(void* user_data) { return *static_cast<H2Session*>(user_data); }

StreamSink* sink_of(nghttp2_session* s, std::int32_t stream) {
  return static_cast<StreamSink*>(nghttp2_session_get_stream_user_data(s, stream));
}

int on_begin_headers(nghttp2_session* s, const nghttp2_frame* f, void*) {
  if (f->hd.type == NGHTTP2_HEADERS && f->headers.cat == NGHTTP2_HCAT_RESPONSE)
    if (StreamSink* k = sink_of(s, f->hd.stream_id)) k->on_response_begin();
  return 0;
}

int on_header(nghttp2_session* s, const nghttp2_frame* f, const std::uint8_t* name, std::size_t namelen,
              const std::uint8_t* value, std::size_t valuelen, std::uint8_t, void*) {
  if (f->hd.type != NGHTTP2_HEADERS || namelen != 7 || std::memcmp(name, ":status", 7) != 0) return 0;
  StreamSink* k = sink_of(s, f->hd.stream_id);
  if (!k) return 0;
  int code = 0;
  for (std::size_t i = 0; i < valuelen && i < 3; ++i) code = code * 10 + (value[i] - '0');
  k->on_status(code);  // (nghttp2 has checked it is three digits)
  return 0;
}

int on_data_chunk(nghttp2_session* s, std::uint8_t, std::int32_t stream, const std::uint8_t*, std::size_t len, void*) {
  if (StreamSink* k = sink_of(s, stream)) k->on_data(len);
  return 0;
}

int on_frame_recv(nghttp2_session* s, const nghttp2_frame* f, void* user_data) {
  switch (f->hd.type) {
    case NGHTTP2_SETTINGS:
      if (!(f->hd.flags & NGHTTP2_FLAG_ACK)) of(user_data).settings_arrived();
      break;
    case NGHTTP2_GOAWAY: of(user_data).goaway_arrived(f->goaway.error_code); break;
    case NGHTTP2_HEADERS:
    case NGHTTP2_DATA:
      if (f->hd.flags & NGHTTP2_FLAG_END_STREAM)
        if (StreamSink* k = sink_of(s, f->hd.stream_id)) k->end_stream = true;
      break;
    default: break;
  }
  return 0;
}

int on_stream_close(nghttp2_session* s, std::int32_t stream, std::uint32_t error_code, void* user_data) {
  of(user_data).stream_closed();
  if (StreamSink* k = sink_of(s, stream)) {
    nghttp2_session_set_stream_user_data(s, stream, nullptr);
    k->on_close(k->end_stream, error_code);
  }
  return 0;
}

// The GOAWAY nghttp2 sends when it finds the server broke the protocol carries its reason (its
// error callback is not told): kept for the failure's words.
int on_frame_send(nghttp2_session*, const nghttp2_frame* f, void* user_data) {
  if (f->hd.type == NGHTTP2_GOAWAY && f->goaway.error_code != NGHTTP2_NO_ERROR) {
    std::string why = nghttp2_http2_strerror(f->goaway.error_code);
    if (f->goaway.opaque_data_len)
      why += std::string(": ") +
             std::string(reinterpret_cast<const char*>(f->goaway.opaque_data), f->goaway.opaque_data_len);
    of(user_data).library_error(why.data(), why.size());
  }
  return 0;
}

int on_error(nghttp2_session*, int, const char* msg, std::size_t len, void* user_data) {
  of(user_data).library_error(msg, len);
  return 0;
}

// The request's body, from the sink's copy; a stream the client cancelled sends no more.
ssize_t read_body(nghttp2_session* s, std::int32_t stream, std::uint8_t* buf, std::size_t length, std::uint32_t* flags,
                  nghttp2_data_source*, void*) {
  StreamSink* k = sink_of(s, stream);
  if (!k || !k->body) {
    *flags |= NGHTTP2_DATA_FLAG_EOF;
    return 0;
  }
  const std::size_t n = std::min(length, k->body->size() - k->body_sent);
  std::memcpy(buf, k->body->data() + k->body_sent, n);
  k->body_sent += n;
  if (k->body_sent == k->body->size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
  return static_cast<ssize_t>(n);
}

struct Callbacks {
  nghttp2_session_callbacks* cb = nullptr;
  Callbacks() {
    if (nghttp2_session_callbacks_new(&cb) != 0) return;
    nghttp2_session_callbacks_set_on_begin_headers_callback(cb, on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data_chunk);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
    nghttp2_session_callbacks_set_error_callback2(cb, on_error);
    nghttp2_session_callbacks_set_on_frame_send_callback(cb, on_frame_send);
  }
  ~Callbacks() { nghttp2_session_callbacks_del(cb); }
  Callbacks(const Callbacks&) = delete;
  Callbacks& operator=(const Callbacks&) = delete;
};

}  // namespace

H2Session::H2Session(const H2Settings& st) {
  static const Callbacks callbacks;  // the same for every session; read-only after construction
  // (a failure here is out of memory: the session stays null and every call reports it)
  if (!callbacks.cb || nghttp2_session_client_new(&s_, callbacks.cb, this) != 0) {
    s_ = nullptr;
    return;
  }
  const std::int32_t window = static_cast<std::int32_t>((std::uint32_t{1} << st.window_bits) - 1);
  std::vector<nghttp2_settings_entry> settings = {
      {NGHTTP2_SETTINGS_ENABLE_PUSH, 0}, {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, static_cast<std::uint32_t>(window)}};
  if (st.header_table_size != 4096) settings.push_back({NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, st.header_table_size});
  if (nghttp2_submit_settings(s_, NGHTTP2_FLAG_NONE, settings.data(), settings.size()) != 0 ||
      nghttp2_session_set_local_window_size(s_, NGHTTP2_FLAG_NONE, 0, window) != 0) {
    nghttp2_session_del(s_);
    s_ = nullptr;
  }
}

H2Session::~H2Session() {
  if (s_) nghttp2_session_del(s_);
}

bool H2Session::receive(const char* data, std::size_t n, std::string& error) {
  if (!s_) {
    error = "no HTTP/2 session (out of memory)";
    return false;
  }
  const ssize_t r = nghttp2_session_mem_recv(s_, reinterpret_cast<const std::uint8_t*>(data), n);
  if (r < 0) {
    error = nghttp2_strerror(static_cast<int>(r));
    return false;
  }
  return true;
}

bool H2Session::take_output(std::string& out, std::string& error) {
  if (!s_) {
    error = "no HTTP/2 session (out of memory)";
    return false;
  }
  for (;;) {
    const std::uint8_t* data = nullptr;
    const ssize_t n = nghttp2_session_mem_send(s_, &data);
    if (n < 0) {
      error = nghttp2_strerror(static_cast<int>(n));
      return false;
    }
    if (n == 0) return true;
    out.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
  }
}

std::int32_t H2Session::submit(const H2Request& r, StreamSink* sink, std::string& error) {
  if (!s_) {
    error = "no HTTP/2 session (out of memory)";
    return 0;
  }
  // (copied by nghttp2: a request built as sent may be gone before its HEADERS frame is, if the
  // stream is cancelled first; the vector is the thread's, reused)
  thread_local std::vector<nghttp2_nv> nva;
  nva.clear();
  for (const auto& [name, value] : r.fields)
    nva.push_back({reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
                   reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())), name.size(), value.size(),
                   NGHTTP2_NV_FLAG_NONE});
  nghttp2_data_provider body{};
  body.read_callback = read_body;
  sink->body = r.body.empty() ? nullptr : &r.body;
  sink->body_sent = 0;
  sink->end_stream = false;
  const std::int32_t id =
      nghttp2_submit_request(s_, nullptr, nva.data(), nva.size(), sink->body ? &body : nullptr, sink);
  if (id < 0) {
    error = nghttp2_strerror(id);
    return 0;
  }
  ++open_;
  return id;
}

void H2Session::cancel(std::int32_t stream) {
  if (!s_) return;
  // (fails only if the stream is already closed: then there is nothing to reset)
  nghttp2_session_set_stream_user_data(s_, stream, nullptr);
  if (nghttp2_submit_rst_stream(s_, NGHTTP2_FLAG_NONE, stream, NGHTTP2_CANCEL) != 0) return;
}

std::uint32_t H2Session::server_max_streams() const {
  return s_ ? nghttp2_session_get_remote_settings(s_, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS) : 0;
}

bool H2Session::can_submit(int cap) const {
  if (!s_ || !settings_received_ || goaway_) return false;
  const std::uint32_t limit = std::min<std::uint32_t>(static_cast<std::uint32_t>(cap), server_max_streams());
  return static_cast<std::uint32_t>(open_) < limit;
}

std::int32_t H2Session::stream_send_window(std::int32_t stream) const {
  return s_ ? nghttp2_session_get_stream_remote_window_size(s_, stream) : 0;
}

std::int32_t H2Session::connection_send_window() const { return s_ ? nghttp2_session_get_remote_window_size(s_) : 0; }

bool H2Session::finished() const {
  return !s_ || (nghttp2_session_want_read(s_) == 0 && nghttp2_session_want_write(s_) == 0);
}

}  // namespace lab
