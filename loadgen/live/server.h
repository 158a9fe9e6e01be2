#pragma once
// The live view's HTTP listener (Boost.Beast), on its own thread and io_context:
//   GET  /               the page (self-contained: its charts are compiled in; no external URL)
//   GET  /events         Server-Sent Events: hello, a tick a second, control, end (Last-Event-ID
//                        resumes); a listener that does not read is dropped, never waited for
//   GET  /snapshot.json  the result document so far (the --json schema)
//   GET  /metrics        Prometheus text
//   POST /control        steering (--live-control only, with the X-Loadlab-Control header)
//   POST /ingest         a job's runs publishing here (the hub of make bench-all LIVE=PORT)
// It reads only what the LiveHub holds; the run never waits for it. Bound to loopback by default.
// Every request's Host must be a loopback name or one the user allowed (--live-allow-host), so
// a page on another site that rebinds its name to this machine is refused (DNS rebinding); no
// CORS headers and a custom header on every POST refuse cross-site writes. Bound beyond loopback,
// it needs the allow-list, and steering needs a token (X-Loadlab-Token). It holds at most
// max_connections connections: past them one is answered 503 and closed (the run's descriptors
// come first).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "loadgen/live/hub.h"
#include "loadgen/pacing/load_model.h"
#include "loadgen/run/observer.h"

namespace lab {

struct LiveOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: the kernel picks one
  bool control = false;    // POST /control accepted (--live-control)
  Steering* steering = nullptr;
  const LoadModel* model = nullptr;  // the run's load model: what a control may change
  int max_users = 0;                 // the most users a control may ask for (the fd limit's)
  std::string ingest_token;          // a job's hub: POST /ingest with X-Loadlab-Token equal to this
  /// Host names (or addresses) besides loopback ones that requests may name (--live-allow-host).
  std::vector<std::string> allowed_hosts;
  /// POST /control needs X-Loadlab-Token equal to this ("" : the custom header suffices).
  std::string control_token;
  /// The most connections held at once (page, event streams, scrapes); past them, 503.
  std::size_t max_connections = kMaxConnections;
  static constexpr std::size_t kMaxConnections = 32;
  /// A listener whose socket takes no byte of a write for this long is dropped (it stopped
  /// reading); one that reads slowly is not, however long its backlog takes.
  std::chrono::milliseconds write_deadline{10000};
};

/// Parses --live's value: PORT, ADDR:PORT or [IPv6]:PORT; "" or the mistake.
std::string parse_live_address(const std::string& text, LiveOptions& out);

/// Whether a listener parsed into `o` may start as it is: bound beyond loopback, it needs
/// allowed_hosts (else the mistake, naming --live-allow-host), and steering gets a token (one is
/// generated when none was given). `warning`: what to print on the console ("" on loopback).
std::string check_live_exposure(LiveOptions& o, std::string& warning);

class LiveServer {
 public:
  LiveServer(LiveHub& hub, LiveOptions options);
  ~LiveServer();
  LiveServer(const LiveServer&) = delete;
  LiveServer& operator=(const LiveServer&) = delete;

  /// Binds and starts serving; "" or why not (the address in use, not an address, ...).
  std::string start();
  /// http://ADDR:PORT/ once started (with #token=T when steering needs a token: the page reads it).
  std::string url() const;
  std::uint16_t port() const { return port_; }
  /// Closes the listener and every connection, and joins the thread.
  void stop();
  /// Listeners dropped for not reading their events.
  std::atomic<std::uint64_t> dropped{0};
  /// Connections refused for the cap (max_connections).
  std::atomic<std::uint64_t> refused{0};

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::uint16_t port_ = 0;
};

}  // namespace lab
