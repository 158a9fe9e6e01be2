#include "loadgen/run/resolve.h"

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>

#include "loadgen/workload/url.h"

namespace lab {

namespace tcp = boost::asio::ip;

std::vector<tcp::tcp::endpoint> resolve(const Url& url, std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  addrinfo* list = nullptr;
  const std::string port = std::to_string(url.port);
  const int rc = ::getaddrinfo(url.host.c_str(), port.c_str(), &hints, &list);
  if (rc != 0) {
    error = "cannot resolve '" + url.host + "': " + ::gai_strerror(rc);
    return {};
  }
  std::vector<tcp::tcp::endpoint> out;
  for (const addrinfo* a = list; a; a = a->ai_next) {
    tcp::tcp::endpoint ep;
    if (a->ai_addrlen > ep.capacity()) continue;
    std::copy_n(reinterpret_cast<const char*>(a->ai_addr), a->ai_addrlen, reinterpret_cast<char*>(ep.data()));
    ep.resize(a->ai_addrlen);
    if (std::find(out.begin(), out.end(), ep) == out.end()) out.push_back(ep);
  }
  ::freeaddrinfo(list);
  if (out.empty()) error = "'" + url.host + "' has no TCP address";
  return out;
}

std::string endpoints_text(const std::vector<tcp::tcp::endpoint>& eps) {
  std::string s;
  for (const auto& ep : eps) {
    if (!s.empty()) s += ", ";
    const auto a = ep.address();
    s += a.is_v6() ? "[" + a.to_string() + "]" : a.to_string();
    s += ":" + std::to_string(ep.port());
  }
  return s;
}

}  // namespace lab
