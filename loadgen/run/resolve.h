#pragma once
// Name resolution, once at the start of a run (getaddrinfo): every address of the target's host,
// in the order the resolver returns them.
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

namespace lab {

struct Url;

/// The TCP endpoints of `url`'s host and port; empty with `error` set when it does not resolve.
std::vector<boost::asio::ip::tcp::endpoint> resolve(const Url& url, std::string& error);

/// "127.0.0.1:8080, [::1]:8080"
std::string endpoints_text(const std::vector<boost::asio::ip::tcp::endpoint>& eps);

}  // namespace lab
