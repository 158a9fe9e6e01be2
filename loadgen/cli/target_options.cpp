#include "loadgen/cli/target_options.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "common/duration.h"
#include "common/output_file.h"
#include "common/text.h"

namespace po = boost::program_options;

namespace lab {

void TargetOptions::add(po::options_description& d, RunSettings& s, int default_users) {
  Workload& w = s.workload;
  auto opt = d.add_options();
  opt("host,H", po::value<std::string>(&w.url),
      "target URL: http://host[:port][/path][?query] (names, [IPv6], user:pass@)");
  opt("path", po::value<std::string>(), "request path and query (default: the URL's, else /)");
  opt("method,X", po::value<std::string>(&w.request.method)->default_value("GET"), "request method");
  opt("header", po::value<std::vector<std::string>>(&headers_)->composing(),
      "request header 'Name: value' (repeatable; replaces Host, User-Agent, Accept if given)");
  opt("body", po::value<std::string>(&body_), "request body: TEXT, or @FILE for a file's contents");
  opt("scenario", po::value<std::string>(&scenario_),
      "FILE.json: named requests picked by weight or in sequence, with statistics per name (docs/loadgen.md)");
  opt("data", po::value<std::string>(&data_),
      "FILE.csv or FILE.jsonl: rows whose columns fill {{column}} in the paths, header values and bodies");
  opt("data-per", po::value<std::string>(&data_per_)->default_value("request"),
      "--data: request (each request takes a row) or user (each user keeps one row)");
  opt("data-order", po::value<std::string>(&data_order_)->default_value("round-robin"),
      "--data: round-robin (rows in turn) or random");
  opt("no-cookies", po::bool_switch(&no_cookies_),
      "--scenario: users keep no cookie jar (each keeps one by default, as Locust's and k6's users)");
  opt("max-body", po::value<std::string>(&max_body_)->default_value("1MiB"),
      "--scenario: the most of a body kept for its checks and extractions (bytes, or with KiB/MiB)");
  opt("insecure,k", po::bool_switch(&w.tls.insecure), "https: do not verify the server's certificate or name");
  opt("cacert", po::value<std::string>(&w.tls.cacert), "https: trust the CA certificates in this PEM file");
  opt("tls-resume", po::value<std::string>(&tls_resume_)->default_value("on"),
      "https: on: a reconnect resumes the user's last TLS session (abbreviated handshake); off: full handshakes");
  opt("addresses", po::value<std::string>(&addresses_)->default_value("first"),
      "which of the host's addresses to use: first (as resolved) or round-robin (each connection the next)");
  opt("users,u", po::value<int>(&w.users)->default_value(default_users),
      "virtual users (or connections in --max/--rate)");
  opt("keepalive", po::bool_switch(&w.keepalive), "reuse one connection per user where the server allows it");
  opt("http2", po::bool_switch(&http2_), "HTTP/2 over TLS, chosen by ALPN (https:// targets)");
  opt("h2c", po::bool_switch(&h2c_), "HTTP/2 over plain TCP by prior knowledge (http:// targets)");
  opt("streams", po::value<int>(&w.http2.streams)->default_value(1),
      "--http2/--h2c: concurrent streams per connection; users are carried by connections x streams");
  opt("h2-window", po::value<int>(&w.http2.window_bits)->default_value(30),
      "--http2/--h2c: stream and connection flow-control windows of 2^BITS - 1 bytes (16..30)");
  opt("threads", po::value<int>(&w.threads)->default_value(1), "load-generating threads, one io_context each");
  const char* env_io = std::getenv("LOADGEN_CLIENT_IO");
  opt("client-io", po::value<std::string>(&client_io_)->default_value(env_io && *env_io ? env_io : "auto"),
      "plain HTTP's I/O: auto (uring where the kernel gives a ring, else sockets), uring (a ring per thread, "
      "waits batched), or sockets (epoll); also LOADGEN_CLIENT_IO");
  opt("timeout", po::value<std::string>(&timeout_)->default_value("10s"), "per-request connect+response timeout");
  opt("label", po::value<std::string>(&w.label), "name of what is measured (the server model)");
  opt("seed", po::value<std::uint64_t>(&w.seed)->default_value(1), "random seed for think times and schedules");
  opt("expect-status", po::value<std::string>(&expect_status_)->default_value("2xx"),
      "status codes that count as success: codes, ranges, classes (200,204 / 200-399 / 2xx,3xx)");
  opt("max-client-lag", po::value<double>(&s.max_client_lag_ms)->default_value(5),
      "ms: a run whose requests started later than this (p99) is marked client-bound");
  opt("quiet,q", po::bool_switch(&s.quiet), "no status line and no summary table");
  opt("server-cgroup", po::value<std::string>(&s.server_cgroup),
      "NAME: the cgroup the server runs in (v2, or v1's cpuacct): its CPU time each second, per request "
      "(server_cpu in the result; scripts/lib/cgroup.sh makes one)");
}

namespace {

// The text a result records must be UTF-8 (the result is JSON): "" or the message naming the flag,
// the byte and the fix, before the run rather than after it.
std::string check_utf8(const char* flag, const std::string& text, bool in_url) {
  const std::size_t at = invalid_utf8_at(text);
  if (at == std::string::npos) return {};
  char byte[8];
  std::snprintf(byte, sizeof byte, "%02X", static_cast<unsigned char>(text[at]));
  return std::string(flag) + ": byte 0x" + byte + " at offset " + std::to_string(at) +
         " is not UTF-8 (results are JSON text): " +
         (in_url ? std::string("write it percent-encoded (%") + byte + ")" : "write it in UTF-8");
}

}  // namespace

std::string TargetOptions::apply(const po::variables_map& vm, RunSettings& s) {
  Workload& w = s.workload;
  if (w.url.empty()) return "--host is required, e.g. -H http://127.0.0.1:8080";
  if (std::string e = check_utf8("--host", w.url, true); !e.empty()) return e;
  if (std::string e = check_utf8("--label", w.label, false); !e.empty()) return e;
  if (vm.count("path"))
    if (std::string e = check_utf8("--path", vm["path"].as<std::string>(), true); !e.empty()) return e;
  for (const auto& h : headers_)
    if (std::string e = check_utf8("--header", h, false); !e.empty()) return e;
  std::string err;
  auto url = parse_url(w.url, err);
  if (!url) return "--host: " + err;
  w.target = *url;
  if (!w.tls.cacert.empty() && w.tls.insecure) return "--cacert: --insecure checks no certificate; give one of them";
  if (w.target.scheme != "https" && (!w.tls.cacert.empty() || w.tls.insecure || !vm["tls-resume"].defaulted()))
    return std::string(w.tls.insecure          ? "--insecure"
                       : !w.tls.cacert.empty() ? "--cacert"
                                               : "--tls-resume") +
           ": only for https:// targets";
  if (tls_resume_ == "on" || tls_resume_ == "off")
    w.tls.resume = tls_resume_ == "on";
  else
    return "--tls-resume: '" + tls_resume_ + "' is not on or off";
  if (vm.count("path")) {
    const std::string path = vm["path"].as<std::string>();
    if (path.empty() || path[0] != '/') return "--path: must start with / (e.g. --path /index.html)";
    w.target.target = encode_target(path.substr(0, path.find('#')));
  }
  if (!valid_method(w.request.method)) return "--method: '" + w.request.method + "' is not a method (e.g. -X POST)";
  w.request.headers.clear();
  for (const auto& h : headers_) {
    auto kv = parse_header(h, err);
    if (!kv) return "--header: " + err;
    w.request.headers.push_back(std::move(*kv));
  }
  if (vm.count("body")) {
    auto body = read_body(body_, err);
    if (!body) return "--body: " + err;
    w.request.body = std::move(*body);
  }
  if (std::string e = apply_scenario(vm, w); !e.empty()) return e;
  if (std::string e = apply_data(vm, w); !e.empty()) return e;
  if (addresses_ == "first")
    w.addresses = AddressPolicy::kFirst;
  else if (addresses_ == "round-robin")
    w.addresses = AddressPolicy::kRoundRobin;
  else
    return "--addresses: '" + addresses_ + "' is not first or round-robin";
  if (client_io_ == "sockets")
    w.client_io = ClientIo::kSockets;
  else if (client_io_ == "uring")
    w.client_io = ClientIo::kUring;
  else if (client_io_ == "auto")
    w.client_io = ClientIo::kAuto;
  else
    return "--client-io: '" + client_io_ + "' is not sockets, uring or auto (LOADGEN_CLIENT_IO sets the default)";
  if (w.client_io == ClientIo::kUring && w.target.scheme == "https" && !vm["client-io"].defaulted())
    return "--client-io uring: only for http:// targets (HTTPS runs through OpenSSL on sockets); leave it out";
  if (std::string e = apply_http2(vm, w); !e.empty()) return e;
  if (std::string e = apply_flow(vm, w); !e.empty()) return e;  // after --http2: checks need HTTP/1.1
  if (w.users < 1 || w.users > 1'000'000) return "--users: must be 1..1000000";
  auto to = parse_duration(timeout_);
  if (!to || to->count() <= 0) return "--timeout: '" + timeout_ + "' is not a duration (use e.g. 10s, 500ms)";
  w.timeout = *to;
  const int cpus = static_cast<int>(std::thread::hardware_concurrency());
  if (w.threads < 1 || w.threads > 256)
    return "--threads: must be 1..256 (this machine has " + std::to_string(cpus) + " CPUs)";
  auto statuses = StatusSet::parse(expect_status_, err);
  if (!statuses) return "--expect-status: " + err;
  w.expect_status = *statuses;
  if (!(s.max_client_lag_ms > 0)) return "--max-client-lag: must be > 0 ms (e.g. 5)";
  if (auto e = check_number("--max-client-lag", s.max_client_lag_ms, 1e-6, 60000, "5"); !e.empty()) return e;
  return {};
}

std::string TargetOptions::apply_scenario(const po::variables_map& vm, Workload& w) {
  Scenario& s = w.scenario;
  if (scenario_.empty()) {  // one request: the URL's path with -X/--header/--body
    s = Scenario{};
    ScenarioRequest r;
    r.name = r.target = w.target.target;
    r.spec = w.request;
    s.requests.push_back(std::move(r));
    return {};
  }
  for (const char* flag : {"path", "method", "body"})
    if (vm.count(flag) && !vm[flag].defaulted())
      return std::string("--") + flag + ": each request of --scenario sets its own; leave --" + flag + " out";
  std::string err;
  auto loaded = load_scenario(scenario_, err);
  if (!loaded) return "--scenario: " + err;
  s = std::move(*loaded);
  for (auto& r : s.requests) {  // --header: for every request that does not set the header itself
    std::vector<std::pair<std::string, std::string>> merged;
    for (const auto& h : w.request.headers) {
      bool own = false;
      for (const auto& [k, v] : r.spec.headers) own = own || iequals(k, h.first);
      if (!own) merged.push_back(h);
    }
    merged.insert(merged.end(), r.spec.headers.begin(), r.spec.headers.end());
    r.spec.headers = std::move(merged);
  }
  if (s.think) {
    for (const char* flag : {"wait-min", "wait-max", "wait"})
      if (vm.count(flag) && !vm[flag].defaulted())
        return std::string("--") + flag + ": " + scenario_ + " sets the think time (\"think\"); leave --" + flag +
               " out or remove \"think\" from the file";
    w.set_wait(s.think->as_shape());
  }
  return {};
}

namespace {

// "1MiB", "64KiB", "4096": bytes; nullopt when it is none of these.
std::optional<std::size_t> parse_bytes(const std::string& text) {
  std::size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  if (i == 0 || i > 12) return std::nullopt;
  const std::uint64_t n = std::stoull(text.substr(0, i));
  const std::string unit = text.substr(i);
  const std::uint64_t scale = unit.empty() || unit == "B" ? 1 : unit == "KiB" ? 1024 : unit == "MiB" ? 1 << 20 : 0;
  if (scale == 0) return std::nullopt;
  return static_cast<std::size_t>(n * scale);
}

}  // namespace

std::string TargetOptions::apply_flow(const po::variables_map& vm, Workload& w) {
  w.cookies = !no_cookies_;
  const auto bytes = parse_bytes(max_body_);
  if (!bytes || *bytes < 1 || *bytes > (std::size_t{256} << 20))
    return "--max-body: '" + max_body_ + "' is not a size from 1 byte to 256MiB (e.g. 1MiB, 64KiB, 4096)";
  w.max_body = *bytes;
  const bool given = no_cookies_ || !vm["max-body"].defaulted();
  if (given && !w.scenario.from_file())
    return std::string(no_cookies_ ? "--no-cookies" : "--max-body") +
           ": goes with --scenario (only a scenario's users keep cookies, check or extract)";
  if (w.http2.on())
    for (const auto& r : w.scenario.requests)
      if (!r.checks.empty() || !r.extracts.empty())
        return "--scenario: request '" + r.name + "' has " + (r.checks.empty() ? "\"extract\"" : "\"check\"") +
               ", which runs on HTTP/1.1 only in this version (the HTTP/2 path keeps no response): leave out " +
               (w.http2.mode == Http2Options::Mode::kAlpn ? "--http2" : "--h2c");
  return {};
}

std::string TargetOptions::apply_http2(const po::variables_map& vm, Workload& w) {
  Http2Options& h = w.http2;
  if (http2_ && h2c_) return "--h2c: --http2 is HTTP/2 over TLS, --h2c over plain TCP; give one of them";
  if (http2_ && w.target.scheme != "https")
    return "--http2: h2 is chosen by ALPN in the TLS handshake: use an https:// URL (or --h2c for HTTP/2 over plain "
           "TCP)";
  if (h2c_ && w.target.scheme != "http") return "--h2c: HTTP/2 over plain TCP: use an http:// URL (or --http2 for TLS)";
  h.mode = http2_ ? Http2Options::Mode::kAlpn : h2c_ ? Http2Options::Mode::kPriorKnowledge : Http2Options::Mode::kOff;
  if (!h.on()) {
    for (const char* flag : {"streams", "h2-window"})
      if (vm.count(flag) && !vm[flag].defaulted()) return std::string("--") + flag + ": goes with --http2 or --h2c";
    return {};
  }
  if (h.streams < 1 || h.streams > 1000) return "--streams: must be 1..1000 (concurrent streams per connection)";
  if (h.window_bits < 16 || h.window_bits > 30)
    return "--h2-window: must be 16..30 (windows of 2^BITS - 1 bytes; 16 is HTTP/2's default of 64 KiB)";
  if (w.client_io == ClientIo::kUring && !vm["client-io"].defaulted())
    return "--client-io uring: HTTP/2 runs on sockets; leave --client-io out";
  return {};
}

std::string TargetOptions::apply_data(const po::variables_map& vm, Workload& w) {
  if (data_.empty()) {
    for (const char* flag : {"data-per", "data-order"})
      if (vm.count(flag) && !vm[flag].defaulted()) return std::string("--") + flag + ": goes with --data FILE";
    w.data = DataSet{};
    if (std::string e = check_placeholders(w.scenario, nullptr); !e.empty()) return e;
    return {};
  }
  std::string err;
  auto d = load_data(data_, err);
  if (!d) return "--data: " + err;
  if (data_per_ == "request" || data_per_ == "user")
    d->per = data_per_ == "user" ? DataPer::kUser : DataPer::kRequest;
  else
    return "--data-per: '" + data_per_ + "' is not request or user";
  if (data_order_ == "round-robin" || data_order_ == "random")
    d->order = data_order_ == "random" ? DataOrder::kRandom : DataOrder::kRoundRobin;
  else
    return "--data-order: '" + data_order_ + "' is not round-robin or random";
  w.data = std::move(*d);
  if (std::string e = check_placeholders(w.scenario, &w.data); !e.empty()) return "--data: " + e;
  return {};
}

}  // namespace lab
