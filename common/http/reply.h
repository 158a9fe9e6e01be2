#pragma once
// Response builders shared by every server model.
#include <string>
#include <string_view>

namespace lab {

enum class Protocol { kSeed, kHttp11 };
const char* to_string(Protocol p);
bool parse_protocol(std::string_view s, Protocol& out);

/// The original reply, byte for byte: "HTTP/1.1 200 OK\nContent-Type: text/html\n\n" followed
/// by the request bytes; the connection is closed after it (no length, close-delimited).
inline constexpr std::string_view kSeedPrefix = "HTTP/1.1 200 OK\nContent-Type: text/html\n\n";
void append_seed_reply(std::string& out, std::string_view request_bytes);

/// Proper HTTP/1.1: CRLF, Content-Length, and "Connection: close" when not keeping alive.
/// The body is the echo of the request, as in the seed flavour. An HTTP/1.0 request
/// (`request_minor` 0) is kept alive only when it asked to be, and then the reply must say so
/// ("Connection: keep-alive"), or an HTTP/1.0 client waits for a close (RFC 9112 9.3, 7230 6.3).
/// A reply to HEAD (`head`) has the same headers, Content-Length included, and no body (RFC 9110 9.3.2).
void append_http11_reply(std::string& out, std::string_view body, bool keep_alive, int request_minor = 1,
                         bool head = false);

/// Small error replies (400, 413, 431, 501, 503), always with "Connection: close".
void append_error_reply(std::string& out, int status);
const char* reason_phrase(int status);

}  // namespace lab
